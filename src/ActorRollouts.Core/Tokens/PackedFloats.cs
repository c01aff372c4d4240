using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ActorRollouts.Core.Tokens;

/// <summary>Log probabilities packed for the journal: each a 32-bit float, little-endian, written to JSON as base64. A
/// sampler computes them in 32-bit floats (vLLM sends those values as JSON doubles), so nothing is lost; a JSON number
/// would cost 10–20 bytes each. Immutable, compared by content.</summary>
[JsonConverter(typeof(PackedFloatsJsonConverter))]
public sealed class PackedFloats : PackedArray
{
    public static readonly PackedFloats Empty = new([]);

    private PackedFloats(byte[] bytes) : base(bytes)
    {
    }

    public int Count => ByteCount / sizeof(float);

    public static PackedFloats Pack(ReadOnlySpan<float> values)
    {
        if (values.IsEmpty) return Empty;
        var bytes = new byte[values.Length * sizeof(float)];
        for (var i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), values[i]);
        return new PackedFloats(bytes);
    }

    public ImmutableArray<float> Unpack()
    {
        var values = new float[Count];
        for (var i = 0; i < values.Length; i++) values[i] = BinaryPrimitives.ReadSingleLittleEndian(Bytes[(i * sizeof(float))..]);
        return System.Runtime.InteropServices.ImmutableCollectionsMarshal.AsImmutableArray(values);
    }

    public static PackedFloats FromBytes(byte[] bytes) => bytes.Length % sizeof(float) == 0
        ? new PackedFloats(bytes)
        : throw new JsonException($"Packed log probabilities are {bytes.Length} bytes, not a whole number of 4-byte floats.");

}

internal sealed class PackedFloatsJsonConverter : JsonConverter<PackedFloats>
{
    public override PackedFloats Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        PackedFloats.FromBytes(reader.GetBytesFromBase64());

    public override void Write(Utf8JsonWriter writer, PackedFloats value, JsonSerializerOptions options) =>
        writer.WriteBase64StringValue(value.Bytes);
}
