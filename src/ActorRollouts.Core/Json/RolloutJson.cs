using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ActorRollouts.Core.Json;

/// <summary>The one JSON shape of everything we write: the journal, traces, trajectories. snake_case keys,
/// nulls left out, readable Unicode. Changing it changes stored data, so treat it as a file format.</summary>
public static class RolloutJson
{
    public static readonly JsonSerializerOptions Options = Create(keepNulls: false);

    /// <summary>For listings (<c>sessions --json</c>): every row has every key, null or not.</summary>
    public static readonly JsonSerializerOptions Listing = Create(keepNulls: true);

    private static JsonSerializerOptions Create(bool keepNulls)
    {
        var options = new JsonSerializerOptions
        {
            PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
            DictionaryKeyPolicy = null,
            DefaultIgnoreCondition = keepNulls ? JsonIgnoreCondition.Never : JsonIgnoreCondition.WhenWritingNull,
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        };
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
