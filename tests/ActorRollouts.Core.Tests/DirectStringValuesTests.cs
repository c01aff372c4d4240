using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using ActorRollouts.Core.Json;
using ActorRollouts.Core.Model;

namespace ActorRollouts.Core.Tests;

/// <summary>A large value escaped straight into the stream is the writer's own bytes, in a document around it.</summary>
public class DirectStringValuesTests
{
    public static TheoryData<string> Texts() =>
    [
        Repeat("line 1: \"quoted\" \\path\\ the actors keep the journal\n"),
        Repeat("\t\r\b\f\u0001\u001f\u007f</script>&'+`"),
        Repeat("é中文😀 \u2028\u2029\ufeff\u00ad ok"),
        new string('中', 5000) + "😀" + new string('é', 3000), // runs of non-ASCII longer than one piece, cut anywhere
        new string('a', 150_000) + "\"end\n" + new string('b', 70_000), // printable runs longer than the 64 KB buffer
        Repeat("{\"path\":\"b.txt\",\"content\":\"x\\n\\\"y\\\"\"}"),
    ];

    private static string Repeat(string text) => string.Concat(Enumerable.Repeat(text, 20_000 / text.Length + 1));

    [Theory]
    [MemberData(nameof(Texts))]
    public void LargeValue_InADocument_IsWhatTheWriterWrites_WithEitherEncoder(string text)
    {
        var call = new ToolCall("c1", "write_file", text);
        foreach (var encoder in new[] { JavaScriptEncoder.UnsafeRelaxedJsonEscaping, JavaScriptEncoder.Default })
        {
            var (direct, written) = Document(call, encoder, direct: true);
            var (writer, _) = Document(call, encoder, direct: false);

            Assert.Equal(writer, direct);
            Assert.Equal(encoder == JavaScriptEncoder.UnsafeRelaxedJsonEscaping ? 2 : 0, written); // the relaxed encoder's only
            Assert.Equal(text, JsonDocument.Parse(direct).RootElement.GetProperty("calls")[1].GetProperty("arguments").GetString());
        }
    }

    /// <summary>The vector scan finds the first byte to escape wherever it sits (in a full vector or the tail), for every
    /// byte value, and nothing in printable ASCII.</summary>
    [Fact]
    public void IndexOfSpecial_FindsTheFirstByteToEscape_AtEveryPosition_ForEveryByte()
    {
        static bool Special(byte b) => b is < 0x20 or > 0x7E or (byte)'"' or (byte)'\\';
        var printable = Enumerable.Range(0x20, 0x5F).Select(b => (byte)b).Where(b => !Special(b)).ToArray();
        Assert.Equal(-1, DirectStringValues.IndexOfSpecial([.. printable, .. printable, .. printable]));
        for (var value = 0; value < 256; value++)
            foreach (var (length, at) in new[] { (1, 0), (15, 14), (16, 0), (16, 15), (40, 17), (40, 33), (40, 39) })
            {
                var text = Enumerable.Range(0, length).Select(i => printable[i % printable.Length]).ToArray();
                text[at] = (byte)value;
                Assert.Equal(Special((byte)value) ? at : -1, DirectStringValues.IndexOfSpecial(text));
            }
    }

    private static (string Json, int DirectlyWritten) Document(ToolCall call, JavaScriptEncoder encoder, bool direct)
    {
        using var stream = PooledBuffers.Streams.GetStream();
        var written = 0;
        using (var writer = new Utf8JsonWriter((IBufferWriter<byte>)stream, new JsonWriterOptions { Encoder = encoder }))
        using (var scope = direct ? DirectStringValues.Into(stream, writer) : null)
        {
            writer.WriteStartObject();
            writer.WriteString("before", "x");
            writer.WriteStartArray("calls");
            writer.WriteNumberValue(1);
            JsonSerializer.Serialize(writer, call, RolloutJson.Options);
            writer.WriteNumberValue(2);
            writer.WriteEndArray();
            writer.WritePropertyName("again");
            ToolArgumentsJsonConverter.WriteValue(writer, call.Arguments.Utf8.Span);
            writer.WriteString("after", "y");
            writer.WriteEndObject();
            written = scope?.ValuesWritten ?? 0;
        }
        return (Encoding.UTF8.GetString(stream.ToArray()), written);
    }
}
