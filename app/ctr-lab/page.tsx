import type { Metadata } from "next";
import { CtrLabScreen } from "@/components/ctr/ctr-lab-screen";

export const metadata: Metadata = { title: "CTR Lab" };

export default function CtrLabPage() {
  return <CtrLabScreen />;
}
