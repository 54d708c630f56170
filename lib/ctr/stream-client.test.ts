import { describe, expect, it } from "vitest";
import { encodeDataset } from "./arrow";
import { readDatasetResponse } from "./stream-client";
import { makeSyntheticDataset } from "./synthetic";

describe("readDatasetResponse", () => {
  it("reports progress chunk by chunk and decodes the streamed dataset", async () => {
    const dataset = makeSyntheticDataset({ seed: 5, users: 30, samplesPerUser: 10, dim: 4 });
    const bytes = encodeDataset(dataset, 64);
    let offset = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (offset >= bytes.length) return controller.close();
        controller.enqueue(bytes.slice(offset, offset + 1000));
        offset += 1000;
      },
    });
    const seen: number[] = [];
    const back = await readDatasetResponse(
      new Response(body, { headers: { "content-length": String(bytes.length) } }),
      (p) => {
        expect(p.total).toBe(bytes.length);
        seen.push(p.received);
      },
    );
    expect(seen.length).toBe(Math.ceil(bytes.length / 1000));
    expect(seen.at(-1)).toBe(bytes.length);
    expect(back.test.size).toBe(dataset.test.size);
    expect(Array.from(back.train.label)).toEqual(Array.from(dataset.train.label));
  });

  it("says what failed on an error status", async () => {
    await expect(readDatasetResponse(new Response("nope", { status: 422 }))).rejects.toThrow(/HTTP 422/);
  });
});
