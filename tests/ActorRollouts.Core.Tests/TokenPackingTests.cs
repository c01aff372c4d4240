using System.Text.Json;
using ActorRollouts.Core.Json;
using ActorRollouts.Core.Tokens;

namespace ActorRollouts.Core.Tests;

/// <summary>Token ids and log probabilities survive packing and the journal's JSON exactly, and cost what they should.</summary>
public class TokenPackingTests
{
    [Fact]
    public void PackedIds_EveryVarintWidth_RoundTripsExactly()
    {
        int[] ids = [0, 1, 127, 128, 16_383, 16_384, 151_645, 2_097_151, 2_097_152, int.MaxValue];

        var packed = PackedIds.Pack(ids);

        Assert.Equal(ids, packed.Unpack().ToArray());
        Assert.Equal(ids.Length, packed.Count);
        Assert.Equal(1 + 1 + 1 + 2 + 2 + 3 + 3 + 3 + 4 + 5, packed.ByteCount);
    }

    [Fact]
    public void PackedIds_CutInsideAnId_IsAnErrorNotWrongIds()
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(PackedIds.Pack([300]), RolloutJson.Options);
        var cut = JsonSerializer.Serialize(Convert.ToBase64String([0xAC]));

        Assert.Equal([300], JsonSerializer.Deserialize<PackedIds>(bytes, RolloutJson.Options)!.Unpack().ToArray());
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<PackedIds>(cut, RolloutJson.Options));
    }

    [Fact]
    public void PackedFloats_AreTheSameFloatsBitForBit()
    {
        float[] values = [0f, -0f, -1e-7f, -0.0012345678f, -3.4028235e38f, float.Epsilon, -17.25f];

        var back = JsonSerializer.Deserialize<PackedFloats>(JsonSerializer.Serialize(PackedFloats.Pack(values), RolloutJson.Options), RolloutJson.Options)!.Unpack();

        Assert.Equal(values.Select(BitConverter.SingleToInt32Bits), back.Select(BitConverter.SingleToInt32Bits));
    }

    [Fact]
    public void TurnTokens_JsonRoundTrip_KeepsEverything_AndUnavailableIsAWord()
    {
        var turn = TurnTokens.From(new TokenOutput([1, 2, 3, 9], [40_000, 2], [-0.5f, -0.25f]), [1, 2, 3]);

        var json = JsonSerializer.Serialize(turn, RolloutJson.Options);

        Assert.Equal(3, turn.PromptShared);
        Assert.Equal(turn, JsonSerializer.Deserialize<TurnTokens>(json, RolloutJson.Options));
        Assert.Equal("\"unavailable\"", JsonSerializer.Serialize(TurnTokens.Unavailable, RolloutJson.Options));
        Assert.Same(TurnTokens.Unavailable, JsonSerializer.Deserialize<TurnTokens>("\"unavailable\"", RolloutJson.Options));
    }

    [Fact]
    public void TurnTokens_An8000TokenTurn_AddsTensOfKilobytesNotHundreds()
    {
        var random = new Random(7);
        var prompt = Enumerable.Range(0, 2_000).Select(_ => random.Next(150_000)).ToArray();
        var completion = Enumerable.Range(0, 8_000).Select(_ => random.Next(150_000)).ToArray();
        var logprobs = completion.Select(_ => -(float)random.NextDouble() * 5).ToArray();

        var turn = TurnTokens.From(new TokenOutput([.. prompt], [.. completion], [.. logprobs]), []);
        var json = JsonSerializer.SerializeToUtf8Bytes(turn, RolloutJson.Options);

        // 10,000 tokens, of which 8,000 generated with a logprob: a JSON object per token would be over 500 KB. Packed, an id
        // from a 150k vocabulary is 2 or 3 bytes and a logprob 4; base64 adds a third.
        Assert.InRange(turn.PackedBytes, 4 * 8_000 + 2 * 10_000, 4 * 8_000 + 3 * 10_000);
        Assert.True(json.Length <= turn.PackedBytes * 4 / 3 + 100, $"{json.Length} bytes of JSON for {turn.PackedBytes} packed");
    }

    [Fact]
    public void TokenChain_Last_IsTheLastUnfoldedPromptAndCompletion_AcrossDriftAndGaps()
    {
        TokenTurn Turn(int n, int[] previous, int[] prompt, int[] completion) =>
            new(n, 0, 0, TurnTokens.From(new TokenOutput([.. prompt], [.. completion], []), previous));
        var t1 = Turn(1, [], [1, 2], [3]);
        var t2 = Turn(2, [1, 2, 3], [1, 2, 3, 4], [5, 6]);
        var t3 = Turn(3, [1, 2, 3, 4, 5, 6], [1, 2, 9, 9], [7]);    // drift: shares only [1, 2]
        var gap = new TokenTurn(4, 0, 0, TurnTokens.Unavailable);
        var t5 = Turn(5, [], [1, 8], [2]);

        Assert.Equal([1, 2, 9, 9, 7], TokenChain.Last([t1, t2, t3]).ToArray());
        Assert.Equal(TokenChain.Unfold([t1, t2, t3]).Last() is var (_, p, c) ? [.. p, .. c] : Array.Empty<int>(), TokenChain.Last([t1, t2, t3]).ToArray());
        Assert.Empty(TokenChain.Last([t1, t2, t3, gap]));
        Assert.Equal([1, 8, 2], TokenChain.Last([t1, t2, t3, gap, t5]).ToArray());
    }
}
