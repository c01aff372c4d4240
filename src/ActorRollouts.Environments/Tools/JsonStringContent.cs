using System.Buffers;
using System.Buffers.Text;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace ActorRollouts.Environments.Tools;

/// <summary>Writes the text of a JSON string value straight from the arguments' UTF-8 to a stream, unescaping on the way.
/// <see cref="JsonElement.GetString"/> would make a UTF-16 string of it first: for a 20 MB <c>write_file</c>, 40 MB
/// held only to be encoded back to the UTF-8 it came from.</summary>
internal static class JsonStringContent
{
    /// <summary>Returns the number of bytes written. The element was parsed already, so its escapes are well formed; a
    /// lone surrogate (<c>\ud800</c> without its pair) is written as U+FFFD, as encoding such a string to UTF-8 does.
    /// Fully optimised from its first call: it runs once per write, over megabytes, so it would otherwise start as the
    /// runtime's unoptimised first tier.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static long CopyTo(JsonElement value, Stream output)
    {
        if (value.ValueKind != JsonValueKind.String) throw new ArgumentException("Not a JSON string.", nameof(value));
        var text = JsonMarshal.GetRawUtf8Value(value);
        if (text.Length >= 2 && text[0] == (byte)'"') text = text[1..^1];
        // Unescaped into a block handed to the stream when full: code has an escape every few dozen bytes, and a stream
        // write per run between them would cost more than the unescaping.
        const int Size = 64 * 1024;
        var block = ArrayPool<byte>.Shared.Rent(Size + 4);
        try
        {
            long written = 0;
            var used = 0;
            while (!text.IsEmpty)
            {
                if (used >= Size)
                {
                    output.Write(block, 0, used);
                    (written, used) = (written + used, 0);
                }
                // Searched no further than the block takes: scanning to the end of a long run every round would make
                // 20 MB without escapes cost quadratic time.
                var window = text[..Math.Min(text.Length, Size - used)];
                var escape = window.IndexOf((byte)'\\');
                var run = escape < 0 ? window : window[..escape];
                run.CopyTo(block.AsSpan(used));
                used += run.Length;
                text = text[run.Length..];
                if (escape >= 0) used += Unescape(ref text).EncodeToUtf8(block.AsSpan(used)); // the 4 spare bytes hold any one character
            }
            output.Write(block, 0, used);
            return written + used;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(block);
        }
    }

    /// <summary>Reads one escape sequence at the start of <paramref name="text"/> and moves past it.</summary>
    private static Rune Unescape(ref ReadOnlySpan<byte> text)
    {
        var kind = text[1];
        text = text[2..];
        switch (kind)
        {
            case (byte)'n': return new Rune('\n');
            case (byte)'t': return new Rune('\t');
            case (byte)'r': return new Rune('\r');
            case (byte)'b': return new Rune('\b');
            case (byte)'f': return new Rune('\f');
            case (byte)'u': break;
            default: return new Rune(kind); // \" \\ \/
        }
        var unit = Hex(ref text);
        if (char.IsHighSurrogate((char)unit) && text.Length >= 6 && text[0] == (byte)'\\' && text[1] == (byte)'u')
        {
            var rest = text[2..];
            var low = Hex(ref rest);
            if (char.IsLowSurrogate((char)low))
            {
                text = rest;
                return new Rune((char)unit, (char)low);
            }
        }
        return Rune.TryCreate((char)unit, out var rune) ? rune : Rune.ReplacementChar;
    }

    private static int Hex(ref ReadOnlySpan<byte> text)
    {
        Utf8Parser.TryParse(text[..4], out ushort unit, out _, 'X');
        text = text[4..];
        return unit;
    }
}
