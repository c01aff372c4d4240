using System.Buffers;
using System.Text.Json;
using ActorRollouts.Core.Model;

namespace ActorRollouts.Providers.OpenAI;

/// <summary>Reads one chunk of a streamed chat completion (the JSON of one server-sent event) into a
/// <see cref="ChatStreamAssembler"/>, straight from its UTF-8: the completion id, the first choice's text, refusal, tool
/// call fragments and finish reason, and usage. Fields it does not know are skipped, in any order.
/// <para>Why not the SDK's <c>StreamingChatCompletionUpdate</c>: its model of a chunk turns a tool call's argument fragment
/// into a string and then into bytes again; for a model writing a 20 MB file that is 157 MB of garbage and twice the
/// time. Here a fragment is unescaped once, into the call's buffer. A test holds the two readings equal on every recorded
/// stream.</para></summary>
internal static class ChatChunkReader
{
    public static void Read(ReadOnlySpan<byte> json, ChatStreamAssembler into)
    {
        var reader = new Utf8JsonReader(json);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            throw new JsonException("A chat completion chunk is not a JSON object.");
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("id"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.String) into.OnId(reader.GetString()!);
            }
            else if (reader.ValueTextEquals("choices"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.StartArray) ReadChoices(ref reader, into);
            }
            else if (reader.ValueTextEquals("usage"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.StartObject) into.OnUsage(ReadUsage(ref reader));
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
    }

    /// <summary>The first choice, as the SDK's update exposes; any others are skipped.</summary>
    private static void ReadChoices(ref Utf8JsonReader reader, ChatStreamAssembler into)
    {
        var first = true;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (first && reader.TokenType == JsonTokenType.StartObject) ReadChoice(ref reader, into);
            else reader.Skip();
            first = false;
        }
    }

    private static void ReadChoice(ref Utf8JsonReader reader, ChatStreamAssembler into)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("delta"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.StartObject) ReadDelta(ref reader, into);
            }
            else if (reader.ValueTextEquals("finish_reason"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.String) into.OnFinish(reader.GetString()!);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
    }

    private static void ReadDelta(ref Utf8JsonReader reader, ChatStreamAssembler into)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("content"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.String) into.OnText(reader.GetString()!);
            }
            else if (reader.ValueTextEquals("refusal"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.String) into.OnRefusal(reader.GetString()!);
            }
            else if (reader.ValueTextEquals("tool_calls"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.StartArray)
                {
                    reader.Skip();
                    continue;
                }
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    if (reader.TokenType == JsonTokenType.StartObject) ReadToolCall(ref reader, into);
                    else reader.Skip();
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
    }

    /// <summary>One call's fragment. Its index may come after its function, so the fragment is held (in the chunk when it
    /// has no escapes, else unescaped into a rented buffer) until the call's object ends.</summary>
    private static void ReadToolCall(ref Utf8JsonReader reader, ChatStreamAssembler into)
    {
        var (index, id, name) = (0, (string?)null, (string?)null);
        byte[]? rented = null;
        ReadOnlySpan<byte> arguments = default;
        try
        {
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("index"u8))
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.Number) index = reader.GetInt32();
                }
                else if (reader.ValueTextEquals("id"u8))
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.String) id = reader.GetString();
                }
                else if (reader.ValueTextEquals("function"u8))
                {
                    reader.Read();
                    if (reader.TokenType != JsonTokenType.StartObject)
                    {
                        reader.Skip();
                        continue;
                    }
                    while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                    {
                        if (reader.ValueTextEquals("name"u8))
                        {
                            reader.Read();
                            if (reader.TokenType == JsonTokenType.String) name = reader.GetString();
                        }
                        else if (reader.ValueTextEquals("arguments"u8))
                        {
                            reader.Read();
                            if (reader.TokenType != JsonTokenType.String) continue;
                            if (!reader.ValueIsEscaped) arguments = reader.ValueSpan;
                            else
                            {
                                rented = ArrayPool<byte>.Shared.Rent(reader.ValueSpan.Length);
                                arguments = rented.AsSpan(0, reader.CopyString(rented));
                            }
                        }
                        else
                        {
                            reader.Read();
                            reader.Skip();
                        }
                    }
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }
            into.OnToolCall(index, id, name, arguments);
        }
        finally
        {
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private static Usage ReadUsage(ref Utf8JsonReader reader)
    {
        var usage = Usage.Zero;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("prompt_tokens"u8)) usage = usage with { InputTokens = Count(ref reader) };
            else if (reader.ValueTextEquals("completion_tokens"u8)) usage = usage with { OutputTokens = Count(ref reader) };
            else if (reader.ValueTextEquals("prompt_tokens_details"u8)) usage = usage with { CachedTokens = Detail(ref reader, "cached_tokens"u8) };
            else if (reader.ValueTextEquals("completion_tokens_details"u8)) usage = usage with { ReasoningTokens = Detail(ref reader, "reasoning_tokens"u8) };
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
        return usage;
    }

    private static long Count(ref Utf8JsonReader reader)
    {
        reader.Read();
        return reader.TokenType == JsonTokenType.Number ? reader.GetInt64() : 0;
    }

    /// <summary>One count of a details object (<c>prompt_tokens_details</c>, <c>completion_tokens_details</c>).</summary>
    private static long Detail(ref Utf8JsonReader reader, ReadOnlySpan<byte> name)
    {
        reader.Read();
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return 0;
        }
        long count = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals(name)) count = Count(ref reader);
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
        return count;
    }
}
