using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ActorRollouts.Core.Model;

/// <summary>A tool call's arguments exactly as the model sent them: JSON text (possibly broken, on purpose or not), held
/// as its UTF-8 bytes. Arguments can be the largest thing a session holds (a 20 MB <c>write_file</c>), and they go from
/// the model's stream to the journal, the tool and the next request: as UTF-8 they stay one copy of their own size all
/// the way, where a string would double them and every JSON writer on the way would expand them again.</summary>
[JsonConverter(typeof(ToolArgumentsJsonConverter))]
public sealed class ToolArguments : IEquatable<ToolArguments>
{
    public static readonly ToolArguments Empty = new([]);

    private readonly byte[] _utf8;

    /// <param name="utf8">Taken as it is, not copied: the caller hands it over.</param>
    public ToolArguments(byte[] utf8) => _utf8 = utf8;

    public ReadOnlyMemory<byte> Utf8 => _utf8;

    /// <summary>Length in UTF-8 bytes.</summary>
    public int Length => _utf8.Length;

    /// <summary>No arguments at all, as some models send for a tool without parameters.</summary>
    public bool IsBlank => _utf8.AsSpan().Trim(" \t\r\n"u8).IsEmpty;

    public static implicit operator ToolArguments(string text) => new(Encoding.UTF8.GetBytes(text));

    /// <summary>The text, decoded on every call: for messages and small arguments, not for the journal or requests.</summary>
    public override string ToString() => Encoding.UTF8.GetString(_utf8);

    public bool Equals(ToolArguments? other) => other is not null && _utf8.AsSpan().SequenceEqual(other._utf8);
    public override bool Equals(object? obj) => Equals(obj as ToolArguments);
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.AddBytes(_utf8);
        return hash.ToHashCode();
    }
}

/// <summary>Arguments are a JSON string value on the wire and in the journal, as the OpenAI APIs spell them. Large ones
/// are written in segments: <see cref="Utf8JsonWriter.WriteStringValue(ReadOnlySpan{byte})"/> asks for six times the
/// value's length at once (the worst case of escaping), which for a 20 MB value is 120 MB.</summary>
public sealed class ToolArgumentsJsonConverter : JsonConverter<ToolArguments>
{
    /// <summary>Escaped, a piece is at most six times this: within one block of <see cref="Json.PooledBuffers"/>.</summary>
    private const int Segment = 4 * 1024;

    public override ToolArguments Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String) throw new JsonException("Tool call arguments must be a JSON string.");
        var length = reader.HasValueSequence ? checked((int)reader.ValueSequence.Length) : reader.ValueSpan.Length;
        if (!reader.ValueIsEscaped)
            return new ToolArguments(reader.HasValueSequence ? reader.ValueSequence.ToArray() : reader.ValueSpan.ToArray());
        var unescaped = new byte[length]; // unescaping only shortens
        var written = reader.CopyString(unescaped);
        return new ToolArguments(written == length ? unescaped : unescaped[..written]);
    }

    public override void Write(Utf8JsonWriter writer, ToolArguments value, JsonSerializerOptions options) => WriteValue(writer, value.Utf8.Span);

    /// <summary>Writes UTF-8 text as one JSON string value: straight into our pooled writers' streams when large (see
    /// <see cref="Json.DirectStringValues"/>), else in bounded pieces.</summary>
    public static void WriteValue(Utf8JsonWriter writer, ReadOnlySpan<byte> utf8)
    {
        if (utf8.Length <= Segment)
        {
            writer.WriteStringValue(utf8);
            return;
        }
        if (Json.DirectStringValues.TryWrite(writer, utf8)) return;
        for (var offset = 0; offset < utf8.Length; offset += Segment)
        {
            var piece = utf8.Slice(offset, Math.Min(Segment, utf8.Length - offset));
            writer.WriteStringValueSegment(piece, isFinalSegment: offset + piece.Length == utf8.Length);
        }
    }
}
