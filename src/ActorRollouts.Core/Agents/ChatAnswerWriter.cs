using System.Text.Json;

namespace ActorRollouts.Core.Agents;

/// <summary>Writes an <see cref="AgentAnswer"/> as Chat Completions does: one <c>chat.completion</c> object, or a stream of
/// <c>chat.completion.chunk</c> server-sent events ending in <c>[DONE]</c>. The stream carries the text in one chunk and each
/// tool call whole in its own (the SDKs accumulate either way), so it depends on the answer alone.</summary>
public static class ChatAnswerWriter
{
    public static byte[] Completion(AgentAnswer answer) => Write(w =>
    {
        w.WriteStartObject();
        Header(w, answer, "chat.completion");
        w.WriteStartArray("choices");
        w.WriteStartObject();
        w.WriteNumber("index", 0);
        w.WriteStartObject("message");
        w.WriteString("role", "assistant");
        w.WriteString("content", answer.Assistant.Content);
        if (answer.Assistant.HasToolCalls) ToolCalls(w, answer, withIndex: false);
        w.WriteEndObject();
        w.WriteString("finish_reason", answer.WireFinishReason);
        w.WriteEndObject();
        w.WriteEndArray();
        Usage(w, answer);
        w.WriteEndObject();
    });

    /// <summary>The server-sent events of a streamed answer, <c>data: …\n\n</c> each, usage last when asked for.</summary>
    public static IEnumerable<byte[]> Chunks(AgentAnswer answer, bool includeUsage)
    {
        yield return Event(Chunk(answer, w => { w.WriteString("role", "assistant"); w.WriteString("content", ""); }, null));
        if (!string.IsNullOrEmpty(answer.Assistant.Content))
            yield return Event(Chunk(answer, w => w.WriteString("content", answer.Assistant.Content), null));
        if (answer.Assistant.HasToolCalls)
            yield return Event(Chunk(answer, w => ToolCalls(w, answer, withIndex: true), null));
        yield return Event(Chunk(answer, _ => { }, answer.WireFinishReason));
        if (includeUsage)
            yield return Event(Write(w =>
            {
                w.WriteStartObject();
                Header(w, answer, "chat.completion.chunk");
                w.WriteStartArray("choices");
                w.WriteEndArray();
                Usage(w, answer);
                w.WriteEndObject();
            }));
        yield return "data: [DONE]\n\n"u8.ToArray();
    }

    private static byte[] Chunk(AgentAnswer answer, Action<Utf8JsonWriter> delta, string? finishReason) => Write(w =>
    {
        w.WriteStartObject();
        Header(w, answer, "chat.completion.chunk");
        w.WriteStartArray("choices");
        w.WriteStartObject();
        w.WriteNumber("index", 0);
        w.WriteStartObject("delta");
        delta(w);
        w.WriteEndObject();
        w.WriteString("finish_reason", finishReason);
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteEndObject();
    });

    private static void Header(Utf8JsonWriter w, AgentAnswer answer, string type)
    {
        w.WriteString("id", answer.Id);
        w.WriteString("object", type);
        w.WriteNumber("created", answer.Created);
        w.WriteString("model", answer.Model);
    }

    private static void ToolCalls(Utf8JsonWriter w, AgentAnswer answer, bool withIndex)
    {
        w.WriteStartArray("tool_calls");
        var index = 0;
        foreach (var call in answer.Assistant.ToolCalls!)
        {
            w.WriteStartObject();
            if (withIndex) w.WriteNumber("index", index++);
            w.WriteString("id", call.Id);
            w.WriteString("type", "function");
            w.WriteStartObject("function");
            w.WriteString("name", call.Name);
            w.WriteString("arguments", call.Arguments.ToString());
            w.WriteEndObject();
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    private static void Usage(Utf8JsonWriter w, AgentAnswer answer)
    {
        w.WriteStartObject("usage");
        w.WriteNumber("prompt_tokens", answer.Usage.InputTokens);
        w.WriteNumber("completion_tokens", answer.Usage.OutputTokens);
        w.WriteNumber("total_tokens", answer.Usage.InputTokens + answer.Usage.OutputTokens);
        w.WriteEndObject();
    }

    private static byte[] Event(byte[] json) => [.. "data: "u8, .. json, .. "\n\n"u8];

    internal static byte[] Write(Action<Utf8JsonWriter> write)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer)) write(writer);
        return buffer.WrittenSpan.ToArray();
    }
}
