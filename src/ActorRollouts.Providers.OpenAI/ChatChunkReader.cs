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
                if (NextString(ref reader) is { } id) into.OnId(id);
            }
            else if (reader.ValueTextEquals("choices"u8))
            {
                if (Next(ref reader, JsonTokenType.StartArray)) ReadChoices(ref reader, into);
            }
            else if (reader.ValueTextEquals("usage"u8))
            {
                if (Next(ref reader, JsonTokenType.StartObject)) into.OnUsage(ReadUsage(ref reader));
            }
            else if (reader.ValueTextEquals("prompt_token_ids"u8))
            {
                if (Next(ref reader, JsonTokenType.StartArray)) ReadIds(ref reader, into.Tokens.PromptIds);
            }
            else if (reader.ValueTextEquals("system_fingerprint"u8))
            {
                if (NextString(ref reader) is { } fingerprint) into.Tokens.SystemFingerprint = fingerprint;
            }
            else SkipValue(ref reader);
        }
    }

    /// <summary>vLLM's token ids (<c>return_token_ids</c>): the prompt's on the first chunk, each chunk's own generated ones.</summary>
    private static void ReadIds(ref Utf8JsonReader reader, List<int> into)
    {
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.Number) throw new JsonException("A token id is not a number.");
            into.Add(reader.GetInt32());
        }
    }

    /// <summary><c>logprobs.content[]</c>: the sampled token's log probability, one entry per generated token (the
    /// alternatives in <c>top_logprobs</c> are not kept).</summary>
    private static void ReadLogprobs(ref Utf8JsonReader reader, List<float> into)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (!reader.ValueTextEquals("content"u8))
            {
                SkipValue(ref reader);
                continue;
            }
            if (!Next(ref reader, JsonTokenType.StartArray)) continue;
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    reader.Skip();
                    continue;
                }
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    if (!reader.ValueTextEquals("logprob"u8)) SkipValue(ref reader);
                    else if (Next(ref reader, JsonTokenType.Number)) into.Add((float)reader.GetDouble());
                }
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
            if (reader.ValueTextEquals("delta"u8) || reader.ValueTextEquals("message"u8))
            {
                // A whole (not streamed) completion has a message where a chunk has a delta: its tool calls carry no
                // index, so their place in the array is theirs.
                var positional = reader.ValueTextEquals("message"u8);
                if (Next(ref reader, JsonTokenType.StartObject)) ReadDelta(ref reader, into, positional);
            }
            else if (reader.ValueTextEquals("finish_reason"u8))
            {
                if (NextString(ref reader) is { } reason) into.OnFinish(reason);
            }
            else if (reader.ValueTextEquals("token_ids"u8))
            {
                if (Next(ref reader, JsonTokenType.StartArray)) ReadIds(ref reader, into.Tokens.CompletionIds);
            }
            else if (reader.ValueTextEquals("logprobs"u8))
            {
                if (Next(ref reader, JsonTokenType.StartObject)) ReadLogprobs(ref reader, into.Tokens.Logprobs);
            }
            else SkipValue(ref reader);
        }
    }

    private static void ReadDelta(ref Utf8JsonReader reader, ChatStreamAssembler into, bool positional)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("content"u8))
            {
                if (NextString(ref reader) is { } text) into.OnText(text);
            }
            else if (reader.ValueTextEquals("refusal"u8))
            {
                if (NextString(ref reader) is { } refusal) into.OnRefusal(refusal);
            }
            else if (reader.ValueTextEquals("tool_calls"u8))
            {
                if (!Next(ref reader, JsonTokenType.StartArray)) continue;
                for (var position = 0; reader.Read() && reader.TokenType != JsonTokenType.EndArray; position++)
                {
                    if (reader.TokenType == JsonTokenType.StartObject) ReadToolCall(ref reader, into, positional ? position : 0);
                    else reader.Skip();
                }
            }
            else SkipValue(ref reader);
        }
    }

    /// <summary>One call's fragment. Its index may come after its function, so the fragment is held (in the chunk when it
    /// has no escapes, else unescaped into a rented buffer) until the call's object ends.</summary>
    private static void ReadToolCall(ref Utf8JsonReader reader, ChatStreamAssembler into, int defaultIndex)
    {
        var (index, id, name) = (defaultIndex, (string?)null, (string?)null);
        byte[]? rented = null;
        ReadOnlySpan<byte> arguments = default;
        try
        {
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("index"u8)) index = Next(ref reader, JsonTokenType.Number) ? reader.GetInt32() : 0;
                else if (reader.ValueTextEquals("id"u8)) id = NextString(ref reader);
                else if (reader.ValueTextEquals("function"u8))
                {
                    if (!Next(ref reader, JsonTokenType.StartObject)) continue;
                    while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                    {
                        if (reader.ValueTextEquals("name"u8)) name = NextString(ref reader);
                        else if (reader.ValueTextEquals("arguments"u8))
                        {
                            if (!Next(ref reader, JsonTokenType.String)) continue;
                            if (!reader.ValueIsEscaped) arguments = reader.ValueSpan;
                            else
                            {
                                rented = ArrayPool<byte>.Shared.Rent(reader.ValueSpan.Length);
                                arguments = rented.AsSpan(0, reader.CopyString(rented));
                            }
                        }
                        else SkipValue(ref reader);
                    }
                }
                else SkipValue(ref reader);
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
            if (reader.ValueTextEquals("prompt_tokens"u8)) usage = usage with { InputTokens = NextCount(ref reader) };
            else if (reader.ValueTextEquals("completion_tokens"u8)) usage = usage with { OutputTokens = NextCount(ref reader) };
            else if (reader.ValueTextEquals("prompt_tokens_details"u8)) usage = usage with { CachedTokens = Detail(ref reader, "cached_tokens"u8) };
            else if (reader.ValueTextEquals("completion_tokens_details"u8)) usage = usage with { ReasoningTokens = Detail(ref reader, "reasoning_tokens"u8) };
            else SkipValue(ref reader);
        }
        return usage;
    }

    /// <summary>One count of a details object (<c>prompt_tokens_details</c>, <c>completion_tokens_details</c>).</summary>
    private static long Detail(ref Utf8JsonReader reader, ReadOnlySpan<byte> name)
    {
        if (!Next(ref reader, JsonTokenType.StartObject)) return 0;
        long count = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals(name)) count = NextCount(ref reader);
            else SkipValue(ref reader);
        }
        return count;
    }

    // Each moves from a property name onto its value. A value of another kind than asked for (null, or an object where a
    // string belongs) is skipped whole, so the walk stays at its own depth.

    private static bool Next(ref Utf8JsonReader reader, JsonTokenType kind)
    {
        reader.Read();
        if (reader.TokenType == kind) return true;
        reader.Skip();
        return false;
    }

    private static string? NextString(ref Utf8JsonReader reader) => Next(ref reader, JsonTokenType.String) ? reader.GetString() : null;

    private static long NextCount(ref Utf8JsonReader reader) => Next(ref reader, JsonTokenType.Number) ? reader.GetInt64() : 0;

    private static void SkipValue(ref Utf8JsonReader reader)
    {
        reader.Read();
        reader.Skip();
    }
}
