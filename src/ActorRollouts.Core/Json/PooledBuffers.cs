using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.IO;

namespace ActorRollouts.Core.Json;

/// <summary>The one pool of buffer blocks for large JSON: tool call arguments as they stream in, journal rows, request
/// bodies, trajectory lines. One pool, so the blocks a 20 MB tool call needed serve each of those in turn instead of
/// each allocating its own; and blocks, so nothing large is ever grown by doubling or copied whole to grow.</summary>
public static class PooledBuffers
{
    public static readonly RecyclableMemoryStreamManager Streams = new(new RecyclableMemoryStreamManager.Options
    {
        // Small enough to stay off the large object heap; a value is written in pieces that fit one block escaped.
        BlockSize = 32 * 1024,
        // Kept between uses: enough for the largest content a session usually holds; beyond it, blocks go to the GC.
        MaximumSmallPoolFreeBytes = 32L * 1024 * 1024,
        MaximumLargePoolFreeBytes = 32L * 1024 * 1024,
    });

    /// <summary>Writes as <see cref="RolloutJson.Options"/> does (readable Unicode), without validating our own output.</summary>
    public static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true };
}
