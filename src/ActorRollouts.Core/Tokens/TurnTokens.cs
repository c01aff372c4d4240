using System.Text.Json;
using System.Text.Json.Serialization;

namespace ActorRollouts.Core.Tokens;

/// <summary>One turn's tokens as journaled. The prompt is stored as the number of its leading ids that equal the session's
/// previous turn's prompt and completion (<see cref="PromptShared"/>) plus the ids after them (<see cref="Prompt"/>), so a
/// session of many turns stores each id about once instead of the whole history every turn; <see cref="TokenChain"/> puts
/// the prompts back together. <see cref="Unavailable"/> marks a turn whose server sent no token ids although they were
/// asked for: a gap the export reports, never a silent one. In JSON: <c>"unavailable"</c>, or
/// <c>{"prompt_shared":N,"prompt":B64,"completion":B64,"logprobs":B64}</c>.</summary>
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
                default: reader.Skip(); break;
            }
        }
        return new TurnTokens(shared, prompt, completion, logprobs);
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
        writer.WriteBase64String("prompt", value.Prompt.Bytes);
        writer.WriteBase64String("completion", value.Completion.Bytes);
        writer.WriteBase64String("logprobs", value.Logprobs.Bytes);
        writer.WriteEndObject();
    }
}
