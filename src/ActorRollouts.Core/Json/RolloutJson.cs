using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ActorRollouts.Core.Json;

/// <summary>The one JSON shape of everything we write: the journal, traces, trajectories. snake_case keys,
/// nulls left out, readable Unicode. Changing it changes stored data, so treat it as a file format.</summary>
public static class RolloutJson
{
    public static readonly JsonSerializerOptions Options = Create(indented: false);

    private static JsonSerializerOptions Create(bool indented)
    {
        var options = new JsonSerializerOptions
        {
            PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
            DictionaryKeyPolicy = null,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            WriteIndented = indented,
        };
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
