using System.Text;
using ActorRollouts.Actors.Serialization;
using ActorRollouts.Core.Model;
using ActorRollouts.Core.Sessions;
using ActorRollouts.Core.Tokens;
using Akka.Actor;
using Akka.TestKit.Xunit2;

namespace ActorRollouts.Actors.Tests;

/// <summary>A turn's large token arrays go to the SQLite journal's <c>blobs/</c> in binary (by SHA-256), so the row holds a
/// reference and the journal stays within 8 bytes a token; small turns stay inline; both read back exactly.</summary>
public class TokenBlobTests : TestKit
{
    private static readonly string DataDir = TestSystems.NewDataDir();

    public TokenBlobTests() : base(TestSystems.Config(DataDir)) { }

    private RolloutEventSerializer Serializer => new((ExtendedActorSystem)Sys);

    private static ModelResponseReceivedRow Turn(int completionTokens)
    {
        var random = new Random(completionTokens);
        var prompt = Enumerable.Range(0, 500).Select(_ => random.Next(150_000)).ToArray();
        var completion = Enumerable.Range(0, completionTokens).Select(_ => random.Next(150_000)).ToArray();
        var logprobs = completion.Select(_ => -(float)random.NextDouble() * 5).ToArray();
        var tokens = TurnTokens.From(new TokenOutput([.. prompt], [.. completion], [.. logprobs]), []);
        return new(new SessionEvents.ModelResponseReceived(1, "r", new Usage(500, completionTokens), "stop", 5, DateTimeOffset.UnixEpoch, tokens, 0), tokens);
    }

    private sealed record ModelResponseReceivedRow(SessionEvents.ModelResponseReceived Event, TurnTokens Tokens);

    [Fact]
    public void An8000TokenTurn_GoesToBlobs_TheRowWithinEightBytesAToken_AndReadsBackExactly()
    {
        var (turn, tokens) = Turn(8_000);

        var row = Serializer.ToBinary(turn);
        var back = (SessionEvents.ModelResponseReceived)Serializer.FromBinary(row, Serializer.Manifest(turn));

        var sha = System.Text.Json.JsonDocument.Parse(row).RootElement.GetProperty("tokens").GetProperty("blob").GetString()!;
        var blob = new FileInfo(Path.Combine(DataDir, "blobs", sha[..2], sha));
        Assert.True(blob.Exists, $"no blob at {blob.FullName}: {Encoding.UTF8.GetString(row)}");
        Assert.Equal(tokens.PackedBytes, blob.Length);
        Assert.True(row.Length + blob.Length <= 8 * 8_500 + 400, $"{row.Length} + {blob.Length} bytes for 8,500 tokens");
        Assert.Equal(tokens, back.Tokens);
    }

    [Fact]
    public void ASmallTurn_StaysInTheRow()
    {
        var (turn, tokens) = Turn(100);

        var row = Serializer.ToBinary(turn);

        Assert.Contains("\"completion\":", Encoding.UTF8.GetString(row));
        Assert.Equal(tokens, ((SessionEvents.ModelResponseReceived)Serializer.FromBinary(row, Serializer.Manifest(turn))).Tokens);
    }

    [Fact]
    public void AMissingBlob_IsAnErrorNamingIt()
    {
        var (turn, _) = Turn(4_000);
        var row = Serializer.ToBinary(turn);
        var sha = System.Text.Json.JsonDocument.Parse(row).RootElement.GetProperty("tokens").GetProperty("blob").GetString()!;
        File.Delete(Path.Combine(DataDir, "blobs", sha[..2], sha));

        var error = Assert.ThrowsAny<Exception>(() => Serializer.FromBinary(row, Serializer.Manifest(turn)));

        Assert.Contains(sha[..12], error.Message);
    }
}
