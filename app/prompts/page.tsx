import type { Metadata } from "next";
import { PlannedScreen } from "@/components/ui/planned-screen";

export const metadata: Metadata = { title: "Prompts" };

export default function PromptsPage() {
  return (
    <PlannedScreen
      title="Prompts"
      summary="User Interest Learning (UIL): the prompts that turn each sealed partition into an interest summary."
      features={[
        "Edit prompts as immutable versions with movable labels (production, latest) and see diffs between versions.",
        "Try a prompt on a user's partitions in a playground before rolling it out.",
        "Compare the summaries two prompt versions produce for the same partitions.",
      ]}
    />
  );
}
