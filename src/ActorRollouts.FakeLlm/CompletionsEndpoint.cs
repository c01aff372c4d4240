using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace ActorRollouts.FakeLlm;

/// <summary><c>POST /v1/completions</c> as vLLM serves it for token-in/token-out clients: <c>prompt</c> is a list of
/// token ids (or a string, tokenized first), read back as ChatML to find the scenario and the turn; the answer is the
/// turn's Body as text (hermes <c>&lt;tool_call&gt;</c> blocks included: the client parses them), with
/// <c>token_ids</c>/<c>prompt_token_ids</c> on <c>return_token_ids</c> and legacy logprobs on <c>logprobs: K</c>.
/// Streamed, it is <c>text_completion</c> chunks of a few tokens each, the prompt's ids on the first.</summary>
internal sealed class CompletionsEndpoint(FakeScript script, RequestLog log) : ScriptedEndpoint(script, log)
{
    protected override ScriptedRequest Parse(JsonObject root, int bodyLength)
    {
        var prompt = PromptIds(root["prompt"]);
        string text;
        try
        {
            text = FakeTokenizer.Decode(prompt);
        }
        catch (ArgumentOutOfRangeException ex)
        {
            throw new FormatException($"'prompt' holds token id {ex.ActualValue}, which is not in the fake vocabulary");
        }
        var transcript = ChatMlTranscript.Parse(text);
        return new ScriptedRequest((string?)root["model"] ?? "fake-model", (bool?)root["stream"] ?? false,
            (bool?)root["stream_options"]?["include_usage"] ?? false, transcript.FirstUserMessage, transcript.AssistantTurns, bodyLength)
        {
            Root = root, Tokens = TokenOptions.ForCompletions(root), PromptIds = prompt,
        };
    }

    /// <summary>vLLM takes a list of ids, a string, or a batch of one of either.</summary>
    private static int[] PromptIds(JsonNode? prompt)
    {
        switch (prompt)
        {
            case JsonValue v when v.TryGetValue(out string? text) && text.Length > 0:
                return FakeTokenizer.Encode(text);
            case JsonArray { Count: 1 } batch when batch[0] is JsonArray || (batch[0] is JsonValue one && one.TryGetValue(out string? _)):
                return PromptIds(batch[0]);
            case JsonArray { Count: > 0 } ids:
                return ids.Select(id => id is JsonValue n && n.TryGetValue(out int value) && value >= 0 ? value
                    : throw new FormatException("'prompt' must be a list of non-negative token ids or a string")).ToArray();
            default:
                throw new FormatException("'prompt' must be a non-empty list of token ids or a non-empty string");
        }
    }

    protected override async Task<Answered> AnswerAsync(HttpContext context, ScriptedRequest request, ScriptedTurn turn)
    {
        var generation = FakeGeneration.For(turn, inlineReasoning: true); // no reasoning parser here: the text has it all
        var answer = new CompletionAnswer(request, turn, request.PromptIds!, generation);
        var tokens = generation.Tokens(request.PromptIds!);
        if (!request.Stream)
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(answer.Completion().ToJsonString(), context.RequestAborted);
            return new Answered(answer.Usage, tokens);
        }
        var events = answer.Chunks().Select(c => $"data: {c}\n\n").Append("data: [DONE]\n\n");
        return new Answered(await StreamAsync(context, events, turn.StreamFault) ? answer.Usage : null, tokens);
    }

    /// <summary>One scripted turn in the (legacy) Completions shapes, whole or as stream chunks.</summary>
    private sealed class CompletionAnswer(ScriptedRequest request, ScriptedTurn turn, int[] prompt, FakeGeneration generation)
    {
        private readonly string _id = $"cmpl-fake{turn.Sequence:x6}";
        private readonly long _created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        private int[] Ids => generation.CompletionIds;

        public FakeUsage Usage { get; } = new(prompt.Length, generation.CompletionIds.Length);

        public JsonObject Completion() => Response(Choice(generation.Body.Text, 0, Ids.Length, "stop", withPrompt: true), UsageNode());

        public IEnumerable<string> Chunks()
        {
            var slices = generation.TextSlices();
            for (var i = 0; i < slices.Count; i++)
            {
                var (start, end) = slices[i];
                var last = i == slices.Count - 1;
                var text = FakeTokenizer.Decode(Ids.AsSpan(start, last ? end - start - 1 : end - start)); // the EOS has no text
                var chunk = Response(Choice(text, start, end, last ? "stop" : null, withPrompt: i == 0), null);
                if (!request.IncludeUsage) chunk.Remove("usage");
                yield return chunk.ToJsonString();
            }
            if (request.IncludeUsage) yield return Response(null, UsageNode()).ToJsonString();
        }

        private JsonObject Choice(string text, int from, int to, string? finishReason, bool withPrompt)
        {
            var choice = new JsonObject
            {
                ["index"] = 0, ["text"] = text,
                ["logprobs"] = request.Tokens.TopLogprobs is { } top
                    ? FakeLogprobs.Completion(Ids, generation.Logprobs, from, to, top, request.Tokens.AsTokenIds)
                    : null,
                ["finish_reason"] = finishReason, ["stop_reason"] = null,
            };
            if (request.Tokens.ReturnTokenIds)
            {
                choice["token_ids"] = new JsonArray(Ids[from..to].Select(id => (JsonNode)id).ToArray());
                if (withPrompt) choice["prompt_token_ids"] = new JsonArray(prompt.Select(id => (JsonNode)id).ToArray());
            }
            return choice;
        }

        private JsonObject Response(JsonObject? choice, JsonObject? usage) => new()
        {
            ["id"] = _id, ["object"] = "text_completion", ["created"] = _created, ["model"] = request.Model,
            ["choices"] = choice is null ? new JsonArray() : new JsonArray(choice), ["usage"] = usage,
        };

        private JsonObject UsageNode() => new()
        {
            ["prompt_tokens"] = Usage.PromptTokens,
            ["completion_tokens"] = Usage.CompletionTokens,
            ["total_tokens"] = Usage.PromptTokens + Usage.CompletionTokens,
        };
    }
}
