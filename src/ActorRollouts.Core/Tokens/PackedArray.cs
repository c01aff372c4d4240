namespace ActorRollouts.Core.Tokens;

/// <summary>What <see cref="PackedIds"/> and <see cref="PackedFloats"/> share: immutable packed bytes, compared by
/// content (records holding them compare equal when their tokens do).</summary>
public abstract class PackedArray(byte[] bytes) : IEquatable<PackedArray>
{
    /// <summary>The packed size in bytes (before base64).</summary>
    public int ByteCount => bytes.Length;

    internal ReadOnlySpan<byte> Bytes => bytes;

    public bool Equals(PackedArray? other) => other is not null && other.GetType() == GetType() && Bytes.SequenceEqual(other.Bytes);
    public override bool Equals(object? obj) => Equals(obj as PackedArray);
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.AddBytes(bytes);
        return hash.ToHashCode();
    }
}
