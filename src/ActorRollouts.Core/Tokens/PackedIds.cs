using System.Buffers;
using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ActorRollouts.Core.Tokens;

/// <summary>Token ids packed for the journal: each id as an unsigned LEB128 varint (1 byte below 128, 2 below 16,384, 3
/// below 2,097,152: a 150k vocabulary costs under 3 bytes an id), written to JSON as base64. A JSON array of the same ids
/// would cost 6–7 bytes an id. Immutable, compared by content.</summary>
[JsonConverter(typeof(PackedIdsJsonConverter))]
public sealed class PackedIds : PackedArray
{
    public static readonly PackedIds Empty = new([], 0);

    private PackedIds(byte[] bytes, int count) : base(bytes) => Count = count;

    /// <summary>How many ids it holds.</summary>
    public int Count { get; }

    public static PackedIds Pack(ReadOnlySpan<int> ids)
    {
        if (ids.IsEmpty) return Empty;
        var buffer = new ArrayBufferWriter<byte>(ids.Length * 3);
        foreach (var id in ids)
        {
            if (id < 0) throw new ArgumentOutOfRangeException(nameof(ids), id, "Token ids are never negative.");
            var span = buffer.GetSpan(5);
            var written = 0;
            for (var v = (uint)id; ; v >>= 7)
            {
                if (v < 0x80)
                {
                    span[written++] = (byte)v;
                    break;
                }
                span[written++] = (byte)(v | 0x80);
            }
            buffer.Advance(written);
        }
        return new PackedIds(buffer.WrittenSpan.ToArray(), ids.Length);
    }

    public ImmutableArray<int> Unpack()
    {
        var ids = new int[Count];
        UnpackInto(ids);
        return System.Runtime.InteropServices.ImmutableCollectionsMarshal.AsImmutableArray(ids);
    }

    /// <summary>Decodes into <paramref name="target"/>, which holds exactly <see cref="Count"/> ids.</summary>
    public void UnpackInto(Span<int> target)
    {
        var at = 0;
        for (var i = 0; i < target.Length; i++)
        {
            uint value = 0;
            for (var shift = 0; ; shift += 7)
            {
                var b = Bytes[at++];
                value |= (uint)(b & 0x7f) << shift;
                if (b < 0x80) break;
            }
            target[i] = (int)value;
        }
    }

    /// <summary>Reads stored bytes, checking that they hold whole varints (a cut row is an error, not wrong ids).</summary>
    public static PackedIds FromBytes(byte[] bytes)
    {
        var count = 0;
        for (var i = 0; i < bytes.Length; i++)
            if (bytes[i] < 0x80) count++;
        if (bytes.Length > 0 && bytes[^1] >= 0x80) throw new JsonException("Packed token ids end inside an id.");
        return new PackedIds(bytes, count);
    }

}

internal sealed class PackedIdsJsonConverter : JsonConverter<PackedIds>
{
    public override PackedIds Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        PackedIds.FromBytes(reader.GetBytesFromBase64());

    public override void Write(Utf8JsonWriter writer, PackedIds value, JsonSerializerOptions options) =>
        writer.WriteBase64StringValue(value.Bytes);
}
