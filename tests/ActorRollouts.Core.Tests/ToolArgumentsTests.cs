using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using ActorRollouts.Core.Json;
using ActorRollouts.Core.Model;

namespace ActorRollouts.Core.Tests;

public class ToolArgumentsTests
{
    /// <summary>Text around 16 KB pieces: multi-byte characters land across piece boundaries, and escapes on both sides.</summary>
    private static string Text(int length)
    {
        var text = new StringBuilder();
        for (var i = 0; text.Length < length; i++) text.Append(i % 7 == 0 ? "é😀\"\\\n" : i % 5 == 0 ? "\u0001\t</x>" : "abc ");
        return text.ToString(0, length - (char.IsHighSurrogate(text[length - 1]) ? 1 : 0));
    }

    [Theory]
    [InlineData(10)]
    [InlineData(16 * 1024)]
    [InlineData(100_003)]
    public void Json_IsTheSameStringValueAsTheTextWouldBe_AndReadsBackToTheSameBytes(int length)
    {
        var text = Text(length);
        var call = new ToolCall("c1", "write_file", text);

        var json = JsonSerializer.SerializeToUtf8Bytes(call, RolloutJson.Options);

        var asText = JsonSerializer.SerializeToUtf8Bytes(new { id = "c1", name = "write_file", arguments = text }, RolloutJson.Options);
        Assert.Equal(Encoding.UTF8.GetString(asText), Encoding.UTF8.GetString(json));
        var read = JsonSerializer.Deserialize<ToolCall>(json, RolloutJson.Options)!;
        Assert.Equal(call, read);
        Assert.Equal(text, read.Arguments.ToString());
    }

    [Fact]
    public void WriteValue_InPieces_WritesWhatOneWriteWould_WithTheStrictEncoderToo()
    {
        var utf8 = Encoding.UTF8.GetBytes(Text(70_001));
        foreach (var encoder in new[] { JavaScriptEncoder.Default, JavaScriptEncoder.UnsafeRelaxedJsonEscaping })
        {
            Assert.Equal(Write(w => w.WriteStringValue(utf8), encoder), Write(w => ToolArgumentsJsonConverter.WriteValue(w, utf8), encoder));
        }
    }

    [Fact]
    public void Equality_IsByContent_AndBlankMeansNoArguments()
    {
        Assert.Equal(new ToolArguments(Encoding.UTF8.GetBytes("{\"a\":1}")), (ToolArguments)"{\"a\":1}");
        Assert.Equal(((ToolArguments)"{\"a\":1}").GetHashCode(), new ToolArguments(Encoding.UTF8.GetBytes("{\"a\":1}")).GetHashCode());
        Assert.NotEqual((ToolArguments)"{\"a\":1}", (ToolArguments)"{\"a\":2}");
        Assert.True(((ToolArguments)" \n").IsBlank);
        Assert.False(((ToolArguments)"{}").IsBlank);
        Assert.Equal(8, ((ToolArguments)"{\"é\":1}").Length); // UTF-8 bytes, not characters
    }

    private static string Write(Action<Utf8JsonWriter> write, JavaScriptEncoder encoder)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = encoder })) write(writer);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
