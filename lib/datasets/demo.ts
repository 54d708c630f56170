// Placeholder: replaced by the MovieLens importer work.
export async function seedDemoDataOnFirstRun(_opts: { log: (line: string) => void }): Promise<void> {}
