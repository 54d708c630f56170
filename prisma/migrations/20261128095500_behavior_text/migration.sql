-- AlterTable
ALTER TABLE "behaviors" ADD COLUMN     "text" TEXT;
