using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace ActorRollouts.FakeLlm;

/// <summary><c>POST /v1/chat/completions</c>: the scripted turn as a <c>chat.completion</c> object or, with
/// <c>stream: true</c>, as <c>chat.completion.chunk</c> events in the order real traffic has them
/// (shared/fixtures/openai/FACTS.md §7). Asked for tokens (vLLM's <c>return_token_ids</c>, <c>logprobs</c>), it renders
/// the prompt with <see cref="FakeChatTemplate"/> and answers with the ids and logprobs of what it generated.</summary>
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
            bodyLength) { Root = root, Tokens = TokenOptions.ForChat(root) };
    }

    protected override async Task<Answered> AnswerAsync(HttpContext context, ScriptedRequest request, ScriptedTurn turn)
    {
        ChatTokens? tokens = null;
        if (request.Tokens.Speaks)
        {
            // Reasoning goes inline only when ids are asked for: logprobs alone keep today's content
            var generation = FakeGeneration.For(turn, inlineReasoning: request.Tokens.ReturnTokenIds);
            var prompt = new FakeChatTemplate(turn.Scenario).Render((JsonArray)request.Root["messages"]!, request.Root["tools"] as JsonArray);
            tokens = new ChatTokens(request.Tokens, prompt, generation);
        }
        var usage = tokens is null ? UsageFor(request, turn.Turn) : new FakeUsage(tokens.Prompt.Length, tokens.Generation.CompletionIds.Length);
        var answer = new ChatAnswer(request, turn, Tag(turn), usage, tokens);
        var generated = tokens?.Generation.Tokens(tokens.Prompt);
        if (!request.Stream)
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(answer.Completion().ToJsonString(), context.RequestAborted);
            return new Answered(answer.Usage, generated);
        }
        var events = answer.Chunks().Select(c => $"data: {c}\n\n").Append("data: [DONE]\n\n");
        return new Answered(await StreamAsync(context, events, turn.StreamFault) ? answer.Usage : null, generated);
    }

    /// <summary>The token side of an answer: what was asked, the rendered prompt and the generation.</summary>
    private sealed record ChatTokens(TokenOptions Options, int[] Prompt, FakeGeneration Generation)
    {
        /// <summary>A choice's <c>logprobs</c> for completion tokens [from, to): null when not asked for or empty.</summary>
        public JsonObject? Logprobs(int from, int to) => Options.TopLogprobs is { } top && to > from
            ? FakeLogprobs.ChatContent(Generation.CompletionIds, Generation.Logprobs, from, to, top, Options.AsTokenIds)
            : null;

        public JsonArray Ids(int from, int to) => new(Generation.CompletionIds[from..to].Select(id => (JsonNode)id).ToArray());

        public JsonArray PromptIds() => new(Prompt.Select(id => (JsonNode)id).ToArray());
    }

    /// <summary>One scripted turn in the Chat Completions shapes, whole or as stream chunks.</summary>
    private sealed class ChatAnswer(ScriptedRequest request, ScriptedTurn turn, string tag, FakeUsage usage, ChatTokens? tokens)
    {
        private readonly string _id = $"chatcmpl-fake{turn.Sequence:x6}";
        private readonly long _created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        private readonly IReadOnlyList<(string Id, FakeToolCall Call)> _calls =
            turn.Turn.ToolCalls.Select((c, i) => ($"call_{turn.Index}_{i}_{tag}", c)).ToList();
        private readonly string? _content = tokens is null ? turn.Turn.Content : tokens.Generation.Content;

        public FakeUsage Usage { get; } = usage;

        private string FinishReason => _calls.Count > 0 ? "tool_calls" : "stop";

        public JsonObject Completion()
        {
            var message = new JsonObject { ["role"] = "assistant", ["content"] = _content, ["refusal"] = null };
            if (_calls.Count > 0)
                message["tool_calls"] = new JsonArray(_calls.Select(c => (JsonNode)new JsonObject
                {
                    ["id"] = c.Id, ["type"] = "function",
                    ["function"] = new JsonObject { ["name"] = c.Call.Name, ["arguments"] = c.Call.Arguments },
                }).ToArray());
            var all = tokens?.Generation.CompletionIds.Length ?? 0;
            var choice = new JsonObject { ["index"] = 0, ["message"] = message, ["logprobs"] = tokens?.Logprobs(0, all), ["finish_reason"] = FinishReason };
            var completion = new JsonObject
            {
                ["id"] = _id, ["object"] = "chat.completion", ["created"] = _created, ["model"] = request.Model,
                ["choices"] = new JsonArray(choice), ["usage"] = UsageNode(),
            };
            if (tokens?.Options.ReturnTokenIds == true)
            {
                choice["token_ids"] = tokens.Ids(0, all);
                completion["prompt_token_ids"] = tokens.PromptIds();
            }
            return completion;
        }

        /// <summary>Role first; text in several fragments; each tool call's id, type and name only in its first delta,
        /// then argument fragments split anywhere; a finish chunk; the usage chunk when asked for. With tokens, each
        /// chunk after the role carries the tokens its text completes (the EOS on the finish chunk), and the role chunk
        /// the prompt's ids, as vLLM's first chunk.</summary>
        public IEnumerable<string> Chunks()
        {
            var steps = Steps().ToList();
            var slices = tokens?.Generation.Slices(steps.Skip(1).Select(s => s.BodyEnd));
            for (var i = 0; i < steps.Count; i++)
                yield return Chunk(steps[i].Delta, steps[i].Finish, i == 0 ? null : slices?[i - 1]);
            if (request.IncludeUsage)
                yield return new JsonObject
                {
                    ["id"] = _id, ["object"] = "chat.completion.chunk", ["created"] = _created, ["model"] = request.Model,
                    ["choices"] = new JsonArray(), ["usage"] = UsageNode(),
                }.ToJsonString();
        }

        /// <summary>The chunks' deltas, each with the offset in the generated Body its text reaches (meaningful only
        /// with tokens; the finish chunk reaches past the end, to the EOS).</summary>
        private IEnumerable<(JsonObject Delta, string? Finish, int BodyEnd)> Steps()
        {
            yield return (new JsonObject { ["role"] = "assistant", ["content"] = _content is null ? null : "", ["refusal"] = null }, null, 0);
            var end = 0;
            if (_content is { } text)
                foreach (var piece in SplitWords(text))
                    yield return (new JsonObject { ["content"] = piece }, null, end += piece.Length);
            var layout = tokens?.Generation.Body;
            for (var i = 0; i < _calls.Count; i++)
            {
                var (id, call) = _calls[i];
                end = layout?.Arguments[i].Start ?? 0;
                yield return (new JsonObject
                {
                    ["tool_calls"] = new JsonArray(new JsonObject
                    {
                        ["index"] = i, ["id"] = id, ["type"] = "function",
                        ["function"] = new JsonObject { ["name"] = call.Name, ["arguments"] = "" },
                    }),
                }, null, end);
                foreach (var piece in SplitArguments(call.Arguments))
                    yield return (new JsonObject
                    {
                        ["tool_calls"] = new JsonArray(new JsonObject { ["index"] = i, ["function"] = new JsonObject { ["arguments"] = piece } }),
                    }, null, end += piece.Length);
            }
            yield return (new JsonObject(), FinishReason, int.MaxValue);
        }

        private string Chunk(JsonObject delta, string? finishReason, (int Start, int End)? slice)
        {
            var choice = new JsonObject { ["index"] = 0, ["delta"] = delta, ["logprobs"] = null, ["finish_reason"] = finishReason };
            var chunk = new JsonObject
            {
                ["id"] = _id, ["object"] = "chat.completion.chunk", ["created"] = _created, ["model"] = request.Model,
                ["choices"] = new JsonArray(choice),
            };
            if (request.IncludeUsage) chunk["usage"] = null;
            if (tokens is not null)
            {
                if (slice is var (start, end))
                {
                    choice["logprobs"] = tokens.Logprobs(start, end);
                    if (tokens.Options.ReturnTokenIds) choice["token_ids"] = tokens.Ids(start, end);
                }
                else if (tokens.Options.ReturnTokenIds) chunk["prompt_token_ids"] = tokens.PromptIds(); // the first chunk only
            }
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
