namespace ActorRollouts.FakeLlm.Tests;

public class FakeTokenizerTests
{
    [Theory]
    [InlineData("")]
    [InlineData("a")]
    [InlineData("ab")]
    [InlineData("odd!")]
    [InlineData("héllo wörld — ünïcödé")]
    [InlineData("emoji 😀 and CJK 漢字, split across pairs")]
    [InlineData("<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n")]
    [InlineData("x<think>\nwhy\n</think>\n\n<tool_call>\n{\"name\": \"f\", \"arguments\": {}}\n</tool_call><|endoftext|>")]
    [InlineData("<|im_start|><|im_end|>< not special <|im_end <think")]
    [InlineData("\n\t\0 control\u0001")]
    public void EncodeDecode_RoundTrips_AndSinglesDecodeTheSame(string text)
    {
        var ids = FakeTokenizer.Encode(text);
        var singles = FakeTokenizer.EncodeSingles(text);

        Assert.Equal(text, FakeTokenizer.Decode(ids));
        Assert.Equal(text, FakeTokenizer.Decode(singles));
        Assert.All(ids.Concat(singles), id => Assert.True(FakeTokenizer.IsToken(id), $"{id}"));
        if (ids.All(IsWholeText)) Assert.Equal(text, string.Concat(ids.Select(FakeTokenizer.TokenText))); // display strings add up when no pair splits a character
    }

    [Fact]
    public void Encode_IsPairsPerSegmentBetweenSpecials_WithAnOddByteAlone()
    {
        // "abc" → "ab" + 'c'; the special resets the pairing; "é" is two UTF-8 bytes, one pair
        var ids = FakeTokenizer.Encode("abc<think>é");

        Assert.Equal([1000 + 'a' * 256 + 'b', 300 + 'c', FakeTokenizer.ThinkStart, 1000 + 0xC3 * 256 + 0xA9], ids);
        Assert.Equal([300 + 'a', 300 + 'b', 300 + 'c', FakeTokenizer.ThinkStart, 300 + 0xC3, 300 + 0xA9], FakeTokenizer.EncodeSingles("abc<think>é"));
        Assert.Equal(["<|im_start|>", "<|im_end|>", "<tool_call>", "</tool_call>", "<think>", "</think>", "<|endoftext|>"],
            Enumerable.Range(1, 7).Select(FakeTokenizer.TokenText));
        Assert.Equal("é", FakeTokenizer.TokenText(ids[^1]));
        Assert.Equal("\uFFFD", FakeTokenizer.TokenText(300 + 0xC3)); // half a character shows as a replacement
        Assert.True(ids[^1] > 16_383, "ids need 3-byte varints, as a real vocabulary's do");
    }

    [Fact]
    public void Decode_UnknownId_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => FakeTokenizer.Decode([8]));
    }

    private static bool IsWholeText(int id) => !FakeTokenizer.TokenText(id).Contains('\uFFFD');
}
