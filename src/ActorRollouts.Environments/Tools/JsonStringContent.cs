using System.Buffers.Text;
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
    /// lone surrogate (<c>\ud800</c> without its pair) is written as U+FFFD, as encoding such a string to UTF-8 does.</summary>
    public static long CopyTo(JsonElement value, Stream output)
    {
        if (value.ValueKind != JsonValueKind.String) throw new ArgumentException("Not a JSON string.", nameof(value));
        var text = JsonMarshal.GetRawUtf8Value(value);
        if (text.Length >= 2 && text[0] == (byte)'"') text = text[1..^1];
        long written = 0;
        Span<byte> scratch = stackalloc byte[4];
        while (!text.IsEmpty)
        {
            var escape = text.IndexOf((byte)'\\');
            var run = escape < 0 ? text : text[..escape];
            output.Write(run);
            written += run.Length;
            text = text[run.Length..];
            if (text.IsEmpty) break;
            var rune = Unescape(ref text);
            var length = rune.EncodeToUtf8(scratch);
            output.Write(scratch[..length]);
            written += length;
        }
        return written;
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
