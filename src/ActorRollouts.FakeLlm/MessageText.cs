using System.Text.Json.Nodes;

namespace ActorRollouts.FakeLlm;

/// <summary>The text of a message's content, shared by the endpoints and the chat template.</summary>
internal static class MessageText
{
    /// <summary>Message content is a string or an array of parts <c>[{"type":"text"|"input_text","text":…}]</c>.</summary>
    public static string Of(JsonNode? content) => content switch
    {
        JsonValue v => (string?)v ?? "",
        JsonArray parts => string.Concat(parts.Select(p => (string?)p?["text"] ?? "")),
        _ => "",
    };
}
