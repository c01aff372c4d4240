using System.Text.Json;

namespace ActorRollouts.Providers.OpenAI.Tests;

/// <summary>Recorded streams as the HTTP bodies the API sent. Only the framing a recorder stripped is put back; the
/// event payloads are served byte for byte.</summary>
internal static class RecordedStreams
{
    /// <summary>A Chat Completions stream. vercel's <c>.chunks.txt</c> keep one chunk JSON per line and drop the
    /// <c>data:</c> prefixes and the closing <c>data: [DONE]</c>; both come back. Other files are raw SSE already.</summary>
    public static string Chat(string relative) =>
        relative.EndsWith(".chunks.txt", StringComparison.Ordinal)
            ? string.Concat(Lines(relative).Select(line => $"data: {line}\n\n")) + "data: [DONE]\n\n"
            : Fixtures.Text(relative);

    /// <summary>The Responses streams in a recording, one body per response. vercel's multi-step recordings hold several
    /// responses back to back (each from its own HTTP call), so a new body starts at every <c>response.created</c>.</summary>
    public static IReadOnlyList<string> Responses(string relative)
    {
        var events = relative.EndsWith(".chunks.txt", StringComparison.Ordinal)
            ? Lines(relative).Select(line => (Type: TypeOf(line), Block: $"event: {TypeOf(line)}\ndata: {line}"))
            : Fixtures.Text(relative).Replace("\r\n", "\n").Split("\n\n", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(block => (Type: TypeOf(block.Split('\n').Single(l => l.StartsWith("data:", StringComparison.Ordinal))[5..]), Block: block));
        var bodies = new List<List<string>>();
        foreach (var (type, block) in events)
        {
            if (type == "response.created" || bodies.Count == 0) bodies.Add([]);
            bodies[^1].Add(block + "\n\n");
        }
        return bodies.Select(blocks => string.Concat(blocks)).ToList();
    }

    /// <summary>A recorded non-streamed response object sent the way a stream ends: as the <c>response</c> of its terminal
    /// event (<c>response.completed</c> or <c>response.incomplete</c>, after its <c>status</c>), with no per-item events
    /// before it. The object is the same schema either way; it is only re-serialised onto one line, as SSE needs.</summary>
    public static string AsTerminalEvent(JsonElement response)
    {
        var type = $"response.{response.GetProperty("status").GetString()}";
        var data = System.Text.Json.Nodes.JsonNode.Parse(response.GetRawText())!.ToJsonString();
        return $"event: {type}\ndata: {{\"type\":\"{type}\",\"sequence_number\":0,\"response\":{data}}}\n\n";
    }

    private static IEnumerable<string> Lines(string relative) =>
        Fixtures.Text(relative).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static string TypeOf(string json) => JsonDocument.Parse(json).RootElement.GetProperty("type").GetString()!;
}
