using System.Text;
using System.Text.Json.Nodes;

namespace ActorRollouts.FakeLlm.Tests;

/// <summary>A minimal client of the fake's token-speaking endpoints, playing an engine's part: it posts JSON, reads
/// server-sent events, and rebuilds the assistant message and the token ids from a stream as a client must.</summary>
internal static class TokenClient
{
    private static readonly HttpClient Http = new();

    /// <summary>One answered chat turn: the prompt and completion ids the server reported, and the assistant message to
    /// send back in the next request's history.</summary>
    public sealed record ChatTurn(int[] Prompt, int[] Completion, JsonObject Message, List<JsonNode> Chunks);

    /// <summary>The server's root (vLLM serves <c>/tokenize</c> there, beside <c>/v1/…</c>).</summary>
    public static string Root(FakeLlmServer server) => server.BaseUrl.ToString().TrimEnd('/')[..^"/v1".Length];

    public static async Task<(int Status, string Text)> Post(FakeLlmServer server, string path, JsonObject body)
    {
        using var response = await Http.PostAsync(Root(server) + path, new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    public static async Task<JsonNode> PostJson(FakeLlmServer server, string path, JsonObject body)
    {
        var (status, text) = await Post(server, path, body);
        Assert.True(status == 200, $"{path}: {status} {text}");
        return JsonNode.Parse(text)!;
    }

    /// <summary>The JSON of every <c>data:</c> event, checking the stream ended with [DONE].</summary>
    public static List<JsonNode> Events(string sse)
    {
        var data = sse.Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Select(e => e.Trim()).ToList();
        Assert.Equal("data: [DONE]", data[^1]);
        return data.SkipLast(1).Select(e => JsonNode.Parse(e["data: ".Length..])!).ToList();
    }

    public static int[] Ids(JsonNode? array) => array!.AsArray().Select(n => (int)n!).ToArray();

    public static JsonArray Json(IEnumerable<int> ids) => new(ids.Select(id => (JsonNode)id).ToArray());

    /// <summary>Asks for the next turn with token ids, streamed or not, and returns what a capturing client keeps.</summary>
    public static async Task<ChatTurn> Chat(FakeLlmServer server, JsonArray messages, JsonArray? tools, bool stream, JsonObject? extra = null)
    {
        var body = new JsonObject { ["model"] = "fake", ["messages"] = messages.DeepClone(), ["return_token_ids"] = true, ["stream"] = stream };
        if (tools is not null) body["tools"] = tools.DeepClone();
        if (stream) body["stream_options"] = new JsonObject { ["include_usage"] = true };
        foreach (var (key, value) in extra ?? []) body[key] = value?.DeepClone();
        if (!stream)
        {
            var json = await PostJson(server, "/v1/chat/completions", body);
            var choice = json["choices"]![0]!;
            return new ChatTurn(Ids(json["prompt_token_ids"]), Ids(choice["token_ids"]), choice["message"]!.DeepClone().AsObject(), [json]);
        }
        var (status, text) = await Post(server, "/v1/chat/completions", body);
        Assert.Equal(200, status);
        var chunks = Events(text);
        return new ChatTurn(Ids(chunks[0]["prompt_token_ids"]),
            chunks.SelectMany(c => c["choices"]!.AsArray()).SelectMany(c => c!["token_ids"] is { } ids ? Ids(ids) : []).ToArray(),
            Assemble(chunks), chunks);
    }

    /// <summary>The assistant message a stream adds up to: content pieces joined, each call's id and name from its first
    /// delta and its argument pieces joined.</summary>
    private static JsonObject Assemble(List<JsonNode> chunks)
    {
        var deltas = chunks.SelectMany(c => c["choices"]!.AsArray()).Select(c => c!["delta"]!).ToList();
        var pieces = deltas.Where(d => d.AsObject().ContainsKey("content") && d["content"] is not null).Select(d => (string)d["content"]!).ToList();
        var calls = deltas.SelectMany(d => d["tool_calls"]?.AsArray() ?? []).GroupBy(d => (int)d!["index"]!).Select(g => (JsonNode)new JsonObject
        {
            ["id"] = (string?)g.First()!["id"], ["type"] = "function",
            ["function"] = new JsonObject
            {
                ["name"] = (string?)g.First()!["function"]!["name"],
                ["arguments"] = string.Concat(g.Select(d => (string?)d!["function"]!["arguments"])),
            },
        }).ToArray();
        var message = new JsonObject { ["role"] = "assistant", ["content"] = pieces.Count == 0 ? null : string.Concat(pieces) };
        if (calls.Length > 0) message["tool_calls"] = new JsonArray(calls);
        return message;
    }

    /// <summary>The history after a turn: its assistant message, then one tool result per call.</summary>
    public static void Append(JsonArray messages, ChatTurn turn)
    {
        messages.Add(turn.Message.DeepClone());
        foreach (var call in turn.Message["tool_calls"]?.AsArray() ?? [])
            messages.Add(new JsonObject
            {
                ["role"] = "tool", ["tool_call_id"] = (string?)call!["id"], ["content"] = $"result of {(string?)call["function"]!["name"]}: ok ✓",
            });
    }
}
