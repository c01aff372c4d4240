using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace ActorRollouts.FakeLlm;

/// <summary>One scripted turn rendered in OpenAI's Chat Completions shapes, whole or as stream chunks.</summary>
internal sealed class ScriptedAnswer
{
    private readonly FakeTurn _turn;
    private readonly ChatRequest _request;
    private readonly string _id;
    private readonly long _created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
    private readonly IReadOnlyList<(string Id, FakeToolCall Call)> _calls;

    public ScriptedAnswer(FakeTurn turn, int turnIndex, FakeScenario scenario, ChatRequest request, long sequence)
    {
        _turn = turn;
        _request = request;
        _id = $"chatcmpl-fake{sequence:x6}";
        var tag = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes($"{scenario.Match}|{turnIndex}")))[..6].ToLowerInvariant();
        _calls = turn.ToolCalls.Select((c, i) => ($"call_{turnIndex}_{i}_{tag}", c)).ToList();
        // Deterministic usage, so tests can sum what the server reported: about four bytes a token.
        var completionChars = (turn.Content?.Length ?? 0) + turn.ToolCalls.Sum(c => c.Name.Length + c.Arguments.Length);
        Usage = new FakeUsage(Math.Max(1, (request.BodyLength + 3) / 4), Math.Max(1, (completionChars + 3) / 4));
    }

    public FakeUsage Usage { get; }

    private string FinishReason => _calls.Count > 0 ? "tool_calls" : "stop";

    public JsonObject Completion()
    {
        var message = new JsonObject { ["role"] = "assistant", ["content"] = _turn.Content, ["refusal"] = null };
        if (_calls.Count > 0)
            message["tool_calls"] = new JsonArray(_calls.Select(c => (JsonNode)new JsonObject
            {
                ["id"] = c.Id, ["type"] = "function",
                ["function"] = new JsonObject { ["name"] = c.Call.Name, ["arguments"] = c.Call.Arguments },
            }).ToArray());
        return new JsonObject
        {
            ["id"] = _id, ["object"] = "chat.completion", ["created"] = _created, ["model"] = _request.Model,
            ["choices"] = new JsonArray(new JsonObject { ["index"] = 0, ["message"] = message, ["logprobs"] = null, ["finish_reason"] = FinishReason }),
            ["usage"] = UsageNode(),
        };
    }

    /// <summary>Role first; text in several fragments; each tool call's id, type and name only in its first delta,
    /// then argument fragments split anywhere; a finish chunk; the usage chunk when asked for.</summary>
    public IEnumerable<string> Chunks()
    {
        var first = new JsonObject { ["role"] = "assistant", ["content"] = _turn.Content is null ? null : "", ["refusal"] = null };
        yield return Chunk(first, null);
        if (_turn.Content is { } text)
            foreach (var piece in SplitWords(text))
                yield return Chunk(new JsonObject { ["content"] = piece }, null);
        for (var i = 0; i < _calls.Count; i++)
        {
            var (id, call) = _calls[i];
            yield return Chunk(new JsonObject
            {
                ["tool_calls"] = new JsonArray(new JsonObject
                {
                    ["index"] = i, ["id"] = id, ["type"] = "function",
                    ["function"] = new JsonObject { ["name"] = call.Name, ["arguments"] = "" },
                }),
            }, null);
            foreach (var piece in SplitInThree(call.Arguments))
                yield return Chunk(new JsonObject
                {
                    ["tool_calls"] = new JsonArray(new JsonObject { ["index"] = i, ["function"] = new JsonObject { ["arguments"] = piece } }),
                }, null);
        }
        yield return Chunk(new JsonObject(), FinishReason);
        if (_request.IncludeUsage)
            yield return new JsonObject
            {
                ["id"] = _id, ["object"] = "chat.completion.chunk", ["created"] = _created, ["model"] = _request.Model,
                ["choices"] = new JsonArray(), ["usage"] = UsageNode(),
            }.ToJsonString();
    }

    private string Chunk(JsonObject delta, string? finishReason)
    {
        var chunk = new JsonObject
        {
            ["id"] = _id, ["object"] = "chat.completion.chunk", ["created"] = _created, ["model"] = _request.Model,
            ["choices"] = new JsonArray(new JsonObject { ["index"] = 0, ["delta"] = delta, ["logprobs"] = null, ["finish_reason"] = finishReason }),
        };
        if (_request.IncludeUsage) chunk["usage"] = null;
        return chunk.ToJsonString();
    }

    private JsonObject UsageNode() => new()
    {
        ["prompt_tokens"] = Usage.PromptTokens,
        ["completion_tokens"] = Usage.CompletionTokens,
        ["total_tokens"] = Usage.PromptTokens + Usage.CompletionTokens,
        ["prompt_tokens_details"] = new JsonObject { ["cached_tokens"] = 0 },
        ["completion_tokens_details"] = new JsonObject { ["reasoning_tokens"] = 0 },
    };

    /// <summary>Pieces of about three words, spaces kept, so a client really has to assemble.</summary>
    private static IEnumerable<string> SplitWords(string text)
    {
        var words = text.Split(' ');
        for (var i = 0; i < words.Length; i += 3)
            yield return string.Join(' ', words.Skip(i).Take(3)) + (i + 3 < words.Length ? " " : "");
    }

    private static IEnumerable<string> SplitInThree(string text)
    {
        if (text.Length < 3)
        {
            yield return text;
            yield break;
        }
        var third = text.Length / 3;
        yield return text[..third];
        yield return text[third..(2 * third)];
        yield return text[(2 * third)..];
    }
}
