using System.Text.Json;
using System.Text.Json.Serialization;

namespace ActorRollouts.Core.Tokens;

/// <summary>One turn's tokens as journaled. The prompt is stored as the number of its leading ids that equal the session's
/// previous turn's prompt and completion (<see cref="PromptShared"/>) plus the ids after them (<see cref="Prompt"/>), so a
/// session of many turns stores each id about once instead of the whole history every turn; <see cref="TokenChain"/> puts
/// the prompts back together. <see cref="Unavailable"/> marks a turn whose server sent no token ids although they were
/// asked for: a gap the export reports, never a silent one. In JSON: <c>"unavailable"</c>, or
/// <c>{"prompt_shared":N,"prompt":B64,"completion":B64,"logprobs":B64}</c>, or — arrays over
/// <see cref="TokenBlobs.InlineLimit"/> bytes, written by the journal — <c>{"prompt_shared":N,"blob":SHA256,"sizes":[P,C,L]}</c>
/// with the three packed arrays one after the other in that blob.</summary>
[JsonConverter(typeof(TurnTokensJsonConverter))]
public sealed record TurnTokens(int PromptShared, PackedIds Prompt, PackedIds Completion, PackedFloats Logprobs)
{
    public static readonly TurnTokens Unavailable = new(0, PackedIds.Empty, PackedIds.Empty, PackedFloats.Empty) { IsAvailable = false };

    public bool IsAvailable { get; private init; } = true;

    /// <summary>Bytes the packed arrays take (before base64), for the bench's bytes-per-token figure.</summary>
    public int PackedBytes => Prompt.ByteCount + Completion.ByteCount + Logprobs.ByteCount;

    /// <summary>Packs <paramref name="output"/> against <paramref name="previous"/>, the previous turn's prompt and
    /// completion (empty for a first turn or after a turn without tokens).</summary>
    public static TurnTokens From(TokenOutput output, ReadOnlySpan<int> previous)
    {
        var prompt = output.PromptIds.AsSpan();
        var shared = prompt.CommonPrefixLength(previous);
        return new TurnTokens(shared, PackedIds.Pack(prompt[shared..]), PackedIds.Pack(output.CompletionIds.AsSpan()),
            PackedFloats.Pack(output.Logprobs.AsSpan()));
    }
}

internal sealed class TurnTokensJsonConverter : JsonConverter<TurnTokens>
{
    private const string UnavailableText = "unavailable";

    public override TurnTokens Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.String)
            return reader.ValueTextEquals(UnavailableText) ? TurnTokens.Unavailable : throw new JsonException($"'tokens' is a string other than \"{UnavailableText}\".");
        if (reader.TokenType != JsonTokenType.StartObject) throw new JsonException("'tokens' must be an object or \"unavailable\".");
        var (shared, prompt, completion, logprobs) = (0, PackedIds.Empty, PackedIds.Empty, PackedFloats.Empty);
        string? blob = null;
        int[]? sizes = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString();
            reader.Read();
            switch (name)
            {
                case "prompt_shared": shared = reader.GetInt32(); break;
                case "prompt": prompt = PackedIds.FromBytes(reader.GetBytesFromBase64()); break;
                case "completion": completion = PackedIds.FromBytes(reader.GetBytesFromBase64()); break;
                case "logprobs": logprobs = PackedFloats.FromBytes(reader.GetBytesFromBase64()); break;
                case "blob": blob = reader.GetString(); break;
                case "sizes": sizes = JsonSerializer.Deserialize<int[]>(ref reader); break;
                default: reader.Skip(); break;
            }
        }
        return blob is null ? new TurnTokens(shared, prompt, completion, logprobs) : FromBlob(shared, blob, sizes);
    }

    private static TurnTokens FromBlob(int shared, string sha256, int[]? sizes)
    {
        if (sizes is not [var p, var c, var l] || p < 0 || c < 0 || l < 0)
            throw new JsonException($"Token blob {sha256} needs \"sizes\": [prompt, completion, logprobs].");
        var store = TokenBlobs.Current
                    ?? throw new JsonException($"This turn's tokens are stored in blobs/{sha256[..2]}/{sha256}, and this reader has no blob store: read the journal through its own data dir.");
        var bytes = store.Get(sha256);
        if (bytes.Length != p + c + l)
            throw new JsonException($"Token blob {sha256} holds {bytes.Length} bytes; the journal says {p + c + l}.");
        return new TurnTokens(shared, PackedIds.FromBytes(bytes[..p]), PackedIds.FromBytes(bytes[p..(p + c)]), PackedFloats.FromBytes(bytes[(p + c)..]));
    }

    public override void Write(Utf8JsonWriter writer, TurnTokens value, JsonSerializerOptions options)
    {
        if (!value.IsAvailable)
        {
            writer.WriteStringValue(UnavailableText);
            return;
        }
        writer.WriteStartObject();
        writer.WriteNumber("prompt_shared", value.PromptShared);
        if (value.PackedBytes > TokenBlobs.InlineLimit && TokenBlobs.Current is { } store)
        {
            var bytes = new byte[value.PackedBytes];
            value.Prompt.Bytes.CopyTo(bytes);
            value.Completion.Bytes.CopyTo(bytes.AsSpan(value.Prompt.ByteCount));
            value.Logprobs.Bytes.CopyTo(bytes.AsSpan(value.Prompt.ByteCount + value.Completion.ByteCount));
            writer.WriteString("blob", store.Put(bytes));
            writer.WriteStartArray("sizes");
            writer.WriteNumberValue(value.Prompt.ByteCount);
            writer.WriteNumberValue(value.Completion.ByteCount);
            writer.WriteNumberValue(value.Logprobs.ByteCount);
            writer.WriteEndArray();
            writer.WriteEndObject();
            return;
        }
        writer.WriteBase64String("prompt", value.Prompt.Bytes);
        writer.WriteBase64String("completion", value.Completion.Bytes);
        writer.WriteBase64String("logprobs", value.Logprobs.Bytes);
        writer.WriteEndObject();
    }
}
