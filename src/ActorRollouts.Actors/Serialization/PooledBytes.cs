using System.Buffers;
using Microsoft.IO;

namespace ActorRollouts.Actors.Serialization;

/// <summary>A serialised payload: an array, or pooled blocks (a large row is never copied into one array on its way to
/// the journal). Dispose it once stored, to give the blocks back.</summary>
public sealed class PooledBytes : IDisposable
{
    /// <summary>Payloads above this size stay in their blocks (and are stored apart by our SQLite journal).</summary>
    public const int KeepPooledAbove = 1 << 20;

    private readonly byte[]? _array;
    private readonly RecyclableMemoryStream? _stream;

    public PooledBytes(byte[] array) => _array = array;

    internal PooledBytes(RecyclableMemoryStream stream) => _stream = stream;

    public long Length => _array?.Length ?? _stream!.Length;

    public byte[] ToArray() => _array ?? _stream!.ToArray();

    /// <summary>The bytes where they are, as one span or as the stream's blocks.</summary>
    public ReadOnlySequence<byte> Sequence => _array is not null ? new(_array) : _stream!.GetReadOnlySequence();

    public void Dispose() => _stream?.Dispose();
}
