using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace ActorRollouts.FakeLlm;

/// <summary><c>POST /v1/chat/completions</c>: the scripted turn as a <c>chat.completion</c> object or, with
/// <c>stream: true</c>, as <c>chat.completion.chunk</c> events in the order real traffic has them
/// (shared/fixtures/openai/FACTS.md §7).</summary>
internal sealed class ChatCompletionsEndpoint(FakeScript script, RequestLog log) : ScriptedEndpoint(script, log)
{
    protected override ScriptedRequest Parse(JsonObject root, int bodyLength)
    {
        if (root["messages"] is not JsonArray messages || messages.Count == 0)
            throw new FormatException("'messages' must be a non-empty array");
        var firstUser = messages.FirstOrDefault(m => (string?)m?["role"] == "user");
        return new ScriptedRequest(
            (string?)root["model"] ?? "fake-model",
            (bool?)root["stream"] ?? false,
            (bool?)root["stream_options"]?["include_usage"] ?? false,
            firstUser is null ? "" : TextOf(firstUser["content"]),
            messages.Count(m => (string?)m?["role"] == "assistant"),
            bodyLength);
    }

    protected override async Task<FakeUsage?> AnswerAsync(HttpContext context, ScriptedRequest request, ScriptedTurn turn)
    {
        var answer = new ChatAnswer(request, turn, Tag(turn), UsageFor(request, turn.Turn));
        if (!request.Stream)
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(answer.Completion().ToJsonString(), context.RequestAborted);
            return answer.Usage;
        }
        var events = answer.Chunks().Select(c => $"data: {c}\n\n").Append("data: [DONE]\n\n");
        return await StreamAsync(context, events, turn.StreamFault) ? answer.Usage : null;
    }

    /// <summary>One scripted turn in the Chat Completions shapes, whole or as stream chunks.</summary>
    private sealed class ChatAnswer(ScriptedRequest request, ScriptedTurn turn, string tag, FakeUsage usage)
    {
        private readonly string _id = $"chatcmpl-fake{turn.Sequence:x6}";
        private readonly long _created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        private readonly IReadOnlyList<(string Id, FakeToolCall Call)> _calls =
            turn.Turn.ToolCalls.Select((c, i) => ($"call_{turn.Index}_{i}_{tag}", c)).ToList();

        public FakeUsage Usage { get; } = usage;

        private string FinishReason => _calls.Count > 0 ? "tool_calls" : "stop";

        public JsonObject Completion()
        {
            var message = new JsonObject { ["role"] = "assistant", ["content"] = turn.Turn.Content, ["refusal"] = null };
            if (_calls.Count > 0)
                message["tool_calls"] = new JsonArray(_calls.Select(c => (JsonNode)new JsonObject
                {
                    ["id"] = c.Id, ["type"] = "function",
                    ["function"] = new JsonObject { ["name"] = c.Call.Name, ["arguments"] = c.Call.Arguments },
                }).ToArray());
            return new JsonObject
            {
                ["id"] = _id, ["object"] = "chat.completion", ["created"] = _created, ["model"] = request.Model,
                ["choices"] = new JsonArray(new JsonObject { ["index"] = 0, ["message"] = message, ["logprobs"] = null, ["finish_reason"] = FinishReason }),
                ["usage"] = UsageNode(),
            };
        }

        /// <summary>Role first; text in several fragments; each tool call's id, type and name only in its first delta,
        /// then argument fragments split anywhere; a finish chunk; the usage chunk when asked for.</summary>
        public IEnumerable<string> Chunks()
        {
            yield return Chunk(new JsonObject { ["role"] = "assistant", ["content"] = turn.Turn.Content is null ? null : "", ["refusal"] = null }, null);
            if (turn.Turn.Content is { } text)
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
                foreach (var piece in SplitArguments(call.Arguments))
                    yield return Chunk(new JsonObject
                    {
                        ["tool_calls"] = new JsonArray(new JsonObject { ["index"] = i, ["function"] = new JsonObject { ["arguments"] = piece } }),
                    }, null);
            }
            yield return Chunk(new JsonObject(), FinishReason);
            if (request.IncludeUsage)
                yield return new JsonObject
                {
                    ["id"] = _id, ["object"] = "chat.completion.chunk", ["created"] = _created, ["model"] = request.Model,
                    ["choices"] = new JsonArray(), ["usage"] = UsageNode(),
                }.ToJsonString();
        }

        private string Chunk(JsonObject delta, string? finishReason)
        {
            var chunk = new JsonObject
            {
                ["id"] = _id, ["object"] = "chat.completion.chunk", ["created"] = _created, ["model"] = request.Model,
                ["choices"] = new JsonArray(new JsonObject { ["index"] = 0, ["delta"] = delta, ["logprobs"] = null, ["finish_reason"] = finishReason }),
            };
            if (request.IncludeUsage) chunk["usage"] = null;
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
    }
}
