using System.Text.Json;

namespace ActorRollouts.Core.Agents;

/// <summary>Writes an <see cref="AgentAnswer"/> as the Responses API does: one <c>response</c> object, or its stream of
/// server-sent events in the real order (created, in_progress; per output item added, deltas, done; completed), each with
/// its <c>sequence_number</c>. The text and each call's arguments come in one delta each, so the stream depends on the answer
/// alone: a replay sends the same bytes.</summary>
public static class ResponsesAnswerWriter
{
    public static byte[] Response(AgentAnswer answer) => ChatAnswerWriter.Write(w => WriteResponse(w, answer, "completed", complete: true));

    public static IEnumerable<byte[]> Events(AgentAnswer answer)
    {
        var sequence = 0;
        byte[] Event(string type, Action<Utf8JsonWriter> body) =>
        [
            .. "event: "u8, .. System.Text.Encoding.UTF8.GetBytes(type), .. "\ndata: "u8,
            .. ChatAnswerWriter.Write(w =>
            {
                w.WriteStartObject();
                w.WriteString("type", type);
                w.WriteNumber("sequence_number", sequence++);
                body(w);
                w.WriteEndObject();
            }),
            .. "\n\n"u8,
        ];

        yield return Event("response.created", w => { w.WritePropertyName("response"); WriteResponse(w, answer, "in_progress", complete: false); });
        yield return Event("response.in_progress", w => { w.WritePropertyName("response"); WriteResponse(w, answer, "in_progress", complete: false); });
        var index = 0;
        foreach (var item in Items(answer))
        {
            var at = index++;
            yield return Event("response.output_item.added", w => { w.WriteNumber("output_index", at); w.WritePropertyName("item"); item.Write(w, complete: false); });
            if (item.Text is { } text)
            {
                yield return Event("response.content_part.added", w => { Where(w, item.Id, at); w.WriteNumber("content_index", 0); w.WritePropertyName("part"); OutputText(w, ""); });
                yield return Event("response.output_text.delta", w => { Where(w, item.Id, at); w.WriteNumber("content_index", 0); w.WriteString("delta", text); EmptyLogprobs(w); });
                yield return Event("response.output_text.done", w => { Where(w, item.Id, at); w.WriteNumber("content_index", 0); w.WriteString("text", text); EmptyLogprobs(w); });
                yield return Event("response.content_part.done", w => { Where(w, item.Id, at); w.WriteNumber("content_index", 0); w.WritePropertyName("part"); OutputText(w, text); });
            }
            else
            {
                var arguments = item.Call!.Arguments.ToString();
                yield return Event("response.function_call_arguments.delta", w => { Where(w, item.Id, at); w.WriteString("delta", arguments); });
                yield return Event("response.function_call_arguments.done", w => { Where(w, item.Id, at); w.WriteString("arguments", arguments); });
            }
            yield return Event("response.output_item.done", w => { w.WriteNumber("output_index", at); w.WritePropertyName("item"); item.Write(w, complete: true); });
        }
        yield return Event("response.completed", w => { w.WritePropertyName("response"); WriteResponse(w, answer, "completed", complete: true); });
    }

    /// <summary>The id the answer goes by on this API: the model's own if it is a response id, else one made from it.</summary>
    private static string ResponseId(AgentAnswer answer) => answer.Id.StartsWith("resp_", StringComparison.Ordinal) ? answer.Id : $"resp_{answer.Id}";

    private static void WriteResponse(Utf8JsonWriter w, AgentAnswer answer, string status, bool complete)
    {
        w.WriteStartObject();
        w.WriteString("id", ResponseId(answer));
        w.WriteString("object", "response");
        w.WriteNumber("created_at", answer.Created);
        w.WriteString("status", status);
        w.WriteNull("error");
        w.WriteNull("incomplete_details");
        w.WriteString("model", answer.Model);
        w.WriteStartArray("output");
        if (complete) foreach (var item in Items(answer)) item.Write(w, complete: true);
        w.WriteEndArray();
        w.WriteBoolean("parallel_tool_calls", true);
        w.WriteBoolean("store", false);
        w.WriteString("tool_choice", "auto");
        w.WriteStartArray("tools");
        w.WriteEndArray();
        if (!complete) w.WriteNull("usage");
        else
        {
            w.WriteStartObject("usage");
            w.WriteNumber("input_tokens", answer.Usage.InputTokens);
            w.WriteStartObject("input_tokens_details");
            w.WriteNumber("cached_tokens", answer.Usage.CachedTokens);
            w.WriteEndObject();
            w.WriteNumber("output_tokens", answer.Usage.OutputTokens);
            w.WriteStartObject("output_tokens_details");
            w.WriteNumber("reasoning_tokens", answer.Usage.ReasoningTokens);
            w.WriteEndObject();
            w.WriteNumber("total_tokens", answer.Usage.InputTokens + answer.Usage.OutputTokens);
            w.WriteEndObject();
        }
        w.WriteEndObject();
    }

    /// <summary>The output items: the message, if the model wrote text, then one <c>function_call</c> per call.</summary>
    private static IEnumerable<OutputItem> Items(AgentAnswer answer)
    {
        var suffix = ResponseId(answer)["resp_".Length..];
        if (!string.IsNullOrEmpty(answer.Assistant.Content)) yield return new OutputItem($"msg_{suffix}", answer.Assistant.Content, null);
        var i = 0;
        foreach (var call in answer.Assistant.ToolCalls ?? []) yield return new OutputItem($"fc_{suffix}_{i++}", null, call);
    }

    private sealed record OutputItem(string Id, string? Text, Model.ToolCall? Call)
    {
        public void Write(Utf8JsonWriter w, bool complete)
        {
            w.WriteStartObject();
            w.WriteString("id", Id);
            if (Call is null)
            {
                w.WriteString("type", "message");
                w.WriteString("status", complete ? "completed" : "in_progress");
                w.WriteString("role", "assistant");
                w.WriteStartArray("content");
                if (complete) OutputText(w, Text!);
                w.WriteEndArray();
            }
            else
            {
                w.WriteString("type", "function_call");
                w.WriteString("status", complete ? "completed" : "in_progress");
                w.WriteString("arguments", complete ? Call.Arguments.ToString() : "");
                w.WriteString("call_id", Call.Id);
                w.WriteString("name", Call.Name);
            }
            w.WriteEndObject();
        }
    }

    private static void Where(Utf8JsonWriter w, string itemId, int outputIndex)
    {
        w.WriteString("item_id", itemId);
        w.WriteNumber("output_index", outputIndex);
    }

    private static void OutputText(Utf8JsonWriter w, string text)
    {
        w.WriteStartObject();
        w.WriteString("type", "output_text");
        w.WriteString("text", text);
        w.WriteStartArray("annotations");
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void EmptyLogprobs(Utf8JsonWriter w)
    {
        w.WriteStartArray("logprobs");
        w.WriteEndArray();
    }
}
