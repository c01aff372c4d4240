using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace ActorRollouts.FakeLlm;

/// <summary><c>POST /v1/responses</c>: the scripted turn as a <c>response</c> object or, streamed, as the events real
/// traffic has, in their real order (shared/fixtures/openai/FACTS.md §2): created, in_progress, then per output item
/// (reasoning → message → function calls) its added / delta / done events, then completed. A reasoning item carries an
/// <c>encrypted_content</c> that is complete only in <c>output_item.done</c>, as on the real API.</summary>
internal sealed class ResponsesEndpoint(FakeScript script, RequestLog log) : ScriptedEndpoint(script, log)
{
    protected override ScriptedRequest Parse(JsonObject root, int bodyLength)
    {
        var input = root["input"] switch
        {
            JsonArray items => items,
            JsonValue text => [new JsonObject { ["type"] = "message", ["role"] = "user", ["content"] = (string?)text }],
            _ => throw new FormatException("'input' must be a string or an array of items"),
        };
        var firstUser = input.FirstOrDefault(i => (string?)i?["role"] == "user");
        return new ScriptedRequest((string?)root["model"] ?? "fake-model", (bool?)root["stream"] ?? false, true,
            firstUser is null ? "" : TextOf(firstUser["content"]), AssistantTurns(input), bodyLength);
    }

    /// <summary>Earlier assistant turns in the input: each is a run of output items (reasoning, assistant message,
    /// function calls) between user messages and function-call outputs.</summary>
    private static int AssistantTurns(JsonArray input)
    {
        var turns = 0;
        var inTurn = false;
        foreach (var item in input)
        {
            var type = (string?)item?["type"] ?? "message";
            var isOutput = type is "reasoning" or "function_call" || (type == "message" && (string?)item?["role"] == "assistant");
            if (isOutput && !inTurn) turns++;
            inTurn = isOutput;
        }
        return turns;
    }

    protected override async Task<Answered> AnswerAsync(HttpContext context, ScriptedRequest request, ScriptedTurn turn)
    {
        var answer = new ResponsesAnswer(request, turn, Tag(turn), UsageFor(request, turn.Turn));
        if (!request.Stream)
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(answer.Response("completed", answer.Items(complete: true)).ToJsonString(), context.RequestAborted);
            return new Answered(answer.Usage);
        }
        var events = (turn.StreamFault?.FailedCode is not null ? answer.FailedEvents(turn.StreamFault) : answer.Events())
            .Select(e => $"event: {(string)e["type"]!}\ndata: {e.ToJsonString()}\n\n");
        return new Answered(await StreamAsync(context, events, turn.StreamFault) ? answer.Usage : null);
    }

    private sealed class ResponsesAnswer(ScriptedRequest request, ScriptedTurn turn, string tag, FakeUsage usage)
    {
        private readonly string _id = $"resp_fake{turn.Sequence:x6}";
        private readonly long _created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        private int _sequence;

        public FakeUsage Usage { get; } = usage;

        private string EncryptedContent => $"gAAAAB-fake-{tag}-{Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(turn.Turn.Reasoning ?? ""))}";

        /// <summary>The output items in order. <paramref name="complete"/> false gives them as <c>output_item.added</c>
        /// shows them: in progress, empty arguments, a truncated encrypted_content.</summary>
        public List<JsonObject> Items(bool complete)
        {
            var items = new List<JsonObject>();
            if (turn.Turn.Reasoning is { } reasoning)
                items.Add(new JsonObject
                {
                    ["id"] = $"rs_{tag}", ["type"] = "reasoning",
                    ["summary"] = complete ? new JsonArray(new JsonObject { ["type"] = "summary_text", ["text"] = reasoning }) : new JsonArray(),
                    ["encrypted_content"] = complete ? EncryptedContent : EncryptedContent[..12],
                });
            if (turn.Turn.Content is { } text)
                items.Add(new JsonObject
                {
                    ["id"] = $"msg_{tag}", ["type"] = "message", ["status"] = complete ? "completed" : "in_progress", ["role"] = "assistant",
                    ["content"] = complete ? new JsonArray(OutputText(text)) : new JsonArray(),
                });
            for (var i = 0; i < turn.Turn.ToolCalls.Count; i++)
                items.Add(new JsonObject
                {
                    ["id"] = $"fc_{tag}_{i}", ["type"] = "function_call", ["status"] = complete ? "completed" : "in_progress",
                    ["arguments"] = complete ? turn.Turn.ToolCalls[i].Arguments : "",
                    ["call_id"] = $"call_{turn.Index}_{i}_{tag}", ["name"] = turn.Turn.ToolCalls[i].Name,
                });
            return items;
        }

        public IEnumerable<JsonObject> Events()
        {
            yield return Event("response.created", new JsonObject { ["response"] = Response("in_progress", []) });
            yield return Event("response.in_progress", new JsonObject { ["response"] = Response("in_progress", []) });
            var added = Items(complete: false);
            var done = Items(complete: true);
            for (var index = 0; index < done.Count; index++)
            {
                var id = (string)done[index]["id"]!;
                yield return Event("response.output_item.added", new JsonObject { ["output_index"] = index, ["item"] = added[index] });
                switch ((string)done[index]["type"]!)
                {
                    case "reasoning":
                        var summary = turn.Turn.Reasoning!;
                        yield return Event("response.reasoning_summary_part.added", Part(id, index, new JsonObject { ["type"] = "summary_text", ["text"] = "" }));
                        foreach (var piece in SplitWords(summary))
                            yield return Event("response.reasoning_summary_text.delta", new JsonObject { ["item_id"] = id, ["output_index"] = index, ["summary_index"] = 0, ["delta"] = piece });
                        yield return Event("response.reasoning_summary_text.done", new JsonObject { ["item_id"] = id, ["output_index"] = index, ["summary_index"] = 0, ["text"] = summary });
                        yield return Event("response.reasoning_summary_part.done", Part(id, index, new JsonObject { ["type"] = "summary_text", ["text"] = summary }));
                        break;
                    case "message":
                        var text = turn.Turn.Content!;
                        yield return Event("response.content_part.added", new JsonObject { ["item_id"] = id, ["output_index"] = index, ["content_index"] = 0, ["part"] = OutputText("") });
                        foreach (var piece in SplitWords(text))
                            yield return Event("response.output_text.delta", new JsonObject { ["item_id"] = id, ["output_index"] = index, ["content_index"] = 0, ["delta"] = piece, ["logprobs"] = new JsonArray() });
                        yield return Event("response.output_text.done", new JsonObject { ["item_id"] = id, ["output_index"] = index, ["content_index"] = 0, ["text"] = text, ["logprobs"] = new JsonArray() });
                        yield return Event("response.content_part.done", new JsonObject { ["item_id"] = id, ["output_index"] = index, ["content_index"] = 0, ["part"] = OutputText(text) });
                        break;
                    case "function_call":
                        var arguments = (string)done[index]["arguments"]!;
                        foreach (var piece in SplitArguments(arguments))
                            yield return Event("response.function_call_arguments.delta", new JsonObject { ["item_id"] = id, ["output_index"] = index, ["delta"] = piece });
                        yield return Event("response.function_call_arguments.done", new JsonObject { ["item_id"] = id, ["output_index"] = index, ["arguments"] = arguments });
                        break;
                }
                yield return Event("response.output_item.done", new JsonObject { ["output_index"] = index, ["item"] = done[index] });
            }
            yield return Event("response.completed", new JsonObject { ["response"] = Response("completed", done) });
        }

        /// <summary>A failure inside a 200 stream, as recorded: the <c>error</c> event nests its fields, then
        /// <c>response.failed</c> carries <c>response.error</c>.</summary>
        public IEnumerable<JsonObject> FailedEvents(FakeFault fault)
        {
            yield return Event("response.created", new JsonObject { ["response"] = Response("in_progress", []) });
            yield return Event("response.in_progress", new JsonObject { ["response"] = Response("in_progress", []) });
            yield return Event("error", new JsonObject
            {
                ["error"] = new JsonObject { ["type"] = fault.FailedCode, ["code"] = fault.FailedCode, ["message"] = fault.FailedMessage, ["param"] = null },
            });
            var failed = Response("failed", []);
            failed["error"] = new JsonObject { ["code"] = fault.FailedCode, ["message"] = fault.FailedMessage };
            failed["usage"] = null;
            yield return Event("response.failed", new JsonObject { ["response"] = failed });
        }

        public JsonObject Response(string status, List<JsonObject> output) => new()
        {
            ["id"] = _id, ["object"] = "response", ["created_at"] = _created, ["status"] = status, ["error"] = null,
            ["incomplete_details"] = null, ["model"] = request.Model, ["output"] = new JsonArray(output.Select(o => (JsonNode)o.DeepClone()).ToArray()),
            ["parallel_tool_calls"] = true, ["store"] = false, ["tools"] = new JsonArray(), ["tool_choice"] = "auto",
            ["usage"] = status == "completed"
                ? new JsonObject
                {
                    ["input_tokens"] = Usage.PromptTokens,
                    ["input_tokens_details"] = new JsonObject { ["cached_tokens"] = 0 },
                    ["output_tokens"] = Usage.CompletionTokens,
                    ["output_tokens_details"] = new JsonObject { ["reasoning_tokens"] = (turn.Turn.Reasoning?.Length ?? 0) / 4 },
                    ["total_tokens"] = Usage.PromptTokens + Usage.CompletionTokens,
                }
                : null,
        };

        private JsonObject Event(string type, JsonObject body)
        {
            body["type"] = type;
            body["sequence_number"] = _sequence++;
            return body;
        }

        private static JsonObject Part(string id, int index, JsonObject part) =>
            new() { ["item_id"] = id, ["output_index"] = index, ["summary_index"] = 0, ["part"] = part };

        private static JsonObject OutputText(string text) => new() { ["type"] = "output_text", ["text"] = text, ["annotations"] = new JsonArray() };
    }
}
