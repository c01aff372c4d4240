using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.IO;

namespace ActorRollouts.Core.Json;

/// <summary>Lets a large string value (a 20 MB tool call's arguments) be escaped straight into the pooled stream a writer
/// writes to, instead of through the writer. The writer's own escaping costs about 250 ns per character it escapes
/// (code has one every few dozen bytes): 0.1–0.2 s for 20 MB, paid for the journal, the next request and the
/// trajectory line alike. Here printable ASCII is copied as it is and quotes and backslashes take two bytes; everything
/// else goes through the very encoder the writer uses, so the bytes are the writer's own (a test holds them so). Only
/// for writers with the relaxed encoder (ours, and the SDK's requests); with any other the writer writes the value.
/// Active only inside <see cref="Into"/>, for one writer over one stream, on one thread.</summary>
public sealed class DirectStringValues : IDisposable
{
    [ThreadStatic] private static DirectStringValues? _current;

    private readonly RecyclableMemoryStream _stream;
    private readonly Utf8JsonWriter _writer;
    private readonly JavaScriptEncoder _encoder;
    private readonly DirectStringValues? _outer;

    /// <summary>How many values this scope wrote itself.</summary>
    public int ValuesWritten { get; private set; }

    private DirectStringValues(RecyclableMemoryStream stream, Utf8JsonWriter writer, JavaScriptEncoder encoder)
    {
        (_stream, _writer, _encoder, _outer) = (stream, writer, encoder, _current);
        _current = this;
    }

    /// <summary>While the result is not disposed, large values written through <paramref name="writer"/> (which must
    /// write to <paramref name="stream"/>, and nothing else) go straight into the stream.</summary>
    public static DirectStringValues Into(RecyclableMemoryStream stream, Utf8JsonWriter writer) =>
        new(stream, writer, writer.Options.Encoder ?? throw new ArgumentException("The writer needs an explicit encoder.", nameof(writer)));

    /// <summary>Writes <paramref name="utf8"/> as the next string value of <paramref name="writer"/> if a scope for that
    /// writer is active; false (nothing written) otherwise.</summary>
    public static bool TryWrite(Utf8JsonWriter writer, ReadOnlySpan<byte> utf8)
    {
        // Printable ASCII passes as it is only with the relaxed encoder (ours and the SDK's); any other escapes some.
        if (_current is not { } scope || !ReferenceEquals(scope._writer, writer) || !ReferenceEquals(scope._encoder, JavaScriptEncoder.UnsafeRelaxedJsonEscaping))
            return false;
        // The writer writes an empty value (so its state is that of a value written) and hands it to the stream; the
        // value's text then goes between its quotes, and the writer goes on at the stream's end.
        writer.WriteStringValue(ReadOnlySpan<byte>.Empty);
        writer.Flush();
        scope._stream.SetLength(scope._stream.Length - 1);
        scope._stream.Position = scope._stream.Length;
        scope.Escape(utf8);
        scope._stream.WriteByte((byte)'"');
        scope.ValuesWritten++;
        return true;
    }

    /// <summary>Escapes into a pooled buffer, handed to the stream when full: a stream write per run of text would cost
    /// more than the escaping. Fully optimised from its first call, as is <see cref="IndexOfSpecial"/>: each runs a few
    /// times per process over megabytes, too few calls for the runtime to leave its unoptimised first tier in time.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Escape(ReadOnlySpan<byte> text)
    {
        const int Size = 64 * 1024, Reserve = 4096 * 6 + 16; // room for one encoded piece
        var buffer = ArrayPool<byte>.Shared.Rent(Size + Reserve);
        var used = 0;
        try
        {
            while (!text.IsEmpty)
            {
                if (used >= Size)
                {
                    _stream.Write(buffer, 0, used);
                    used = 0;
                }
                // Searched no further than the buffer takes: scanning to the end of a long run every round would make
                // a 20 MB value without escapes (minified code, base64) cost quadratic time.
                var window = text[..Math.Min(text.Length, Size - used)];
                var special = IndexOfSpecial(window);
                var run = special < 0 ? window : window[..special];
                run.CopyTo(buffer.AsSpan(used)); // the reserve stays free for an escape
                used += run.Length;
                text = text[run.Length..];
                if (special < 0) continue;
                if (text[0] is (byte)'"' or (byte)'\\')
                {
                    buffer[used++] = (byte)'\\';
                    buffer[used++] = text[0];
                    text = text[1..];
                    continue;
                }
                // Control or non-ASCII bytes, one piece of at most 4 KB: a run of them never ends inside a UTF-8 sequence
                // (it ends at printable ASCII); a piece cut inside one is left for the next round (the encoder consumes less).
                var pieceWindow = text[..Math.Min(text.Length, 4096)];
                var end = pieceWindow.IndexOfAnyInRange((byte)0x20, (byte)0x7E);
                var piece = end < 0 ? pieceWindow : pieceWindow[..end];
                var runEnds = end >= 0 || piece.Length == text.Length;
                _encoder.EncodeUtf8(piece, buffer.AsSpan(used, Reserve), out var consumed, out var written, isFinalBlock: runEnds);
                used += written;
                text = text[consumed..];
            }
            _stream.Write(buffer, 0, used);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The first byte that is not printable ASCII or is a quote or backslash; -1 if none. Our own loop rather
    /// than <c>SearchValues</c>: that search's code is generic over its state, is not precompiled for this set, and ran
    /// unoptimised for the whole of a 20 MB value (80 ms of it, in a profile).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static int IndexOfSpecial(ReadOnlySpan<byte> text)
    {
        var i = 0;
        if (Vector128.IsHardwareAccelerated && text.Length >= Vector128<byte>.Count)
        {
            ref var start = ref MemoryMarshal.GetReference(text);
            var (quote, backslash) = (Vector128.Create((byte)'"'), Vector128.Create((byte)'\\'));
            var (space, tilde) = (Vector128.Create((byte)0x20), Vector128.Create((byte)0x7E));
            for (; i <= text.Length - Vector128<byte>.Count; i += Vector128<byte>.Count)
            {
                var bytes = Vector128.LoadUnsafe(ref start, (nuint)i);
                var special = Vector128.Equals(bytes, quote) | Vector128.Equals(bytes, backslash)
                    | Vector128.LessThan(bytes, space) | Vector128.GreaterThan(bytes, tilde); // unsigned, as bytes are
                if (special != Vector128<byte>.Zero) return i + BitOperations.TrailingZeroCount(special.ExtractMostSignificantBits());
            }
        }
        for (; i < text.Length; i++)
            if (text[i] is < 0x20 or > 0x7E or (byte)'"' or (byte)'\\') return i;
        return -1;
    }

    public void Dispose() => _current = _outer;
}
