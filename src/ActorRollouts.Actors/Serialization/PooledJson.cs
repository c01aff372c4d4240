using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.IO;

namespace ActorRollouts.Actors.Serialization;

/// <summary>Pooled buffers for writing journal rows: small blocks reused across rows, so a row costs its own size once
/// (the array handed to the journal), not the doublings of a growing buffer.</summary>
internal static class PooledJson
{
    public static readonly RecyclableMemoryStreamManager Streams = new(new RecyclableMemoryStreamManager.Options
    {
        BlockSize = 128 * 1024,
        // What stays pooled between rows: enough for a large row's blocks, returned to the GC beyond that.
        MaximumSmallPoolFreeBytes = 64L * 1024 * 1024,
        MaximumLargePoolFreeBytes = 64L * 1024 * 1024,
    });

    /// <summary>As <see cref="Core.Json.RolloutJson.Options"/> writes: readable Unicode, no validation pass of our own output.</summary>
    public static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true };
}
