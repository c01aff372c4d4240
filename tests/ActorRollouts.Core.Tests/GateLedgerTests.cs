using ActorRollouts.Core.Gates;

namespace ActorRollouts.Core.Tests;

public class GateLedgerTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);

    [Fact]
    public void CanAdmit_ConcurrencyLimit_FreesOnRelease()
    {
        var ledger = new GateLedger(new GateLimits(2, null, null, Minute)).Admit("a", T0, 10).Admit("b", T0, 10);

        Assert.False(ledger.CanAdmit(T0, 10));
        Assert.True(ledger.Release("a", null, T0).CanAdmit(T0, 10));
    }

    [Fact]
    public void CanAdmit_RequestsPerWindow_FreesOneWindowAfterTheOldestWasReleased()
    {
        var ledger = new GateLedger(new GateLimits(null, 2, null, Minute)).Admit("a", T0, 1).Release("a", 1, T0.AddSeconds(1))
            .Admit("b", T0.AddSeconds(10), 1).Release("b", 1, T0.AddSeconds(11));

        Assert.False(ledger.CanAdmit(T0.AddSeconds(60), 1));
        Assert.Equal(T0.AddSeconds(61), ledger.NextExpiry(T0.AddSeconds(60)));
        Assert.True(ledger.CanAdmit(T0.AddSeconds(61), 1));
    }

    [Fact]
    public void CanAdmit_RequestStillInFlight_NeverLeavesTheWindow()
    {
        var ledger = new GateLedger(new GateLimits(null, 1, null, Minute)).Admit("slow", T0, 1);

        Assert.False(ledger.CanAdmit(T0.AddMinutes(5), 1));
        Assert.Null(ledger.NextExpiry(T0.AddMinutes(5)));
    }

    [Fact]
    public void CanAdmit_TokensPerWindow_UsesReportedUsageOnceReleased()
    {
        var ledger = new GateLedger(new GateLimits(null, null, 1000, Minute)).Admit("a", T0, 900);

        Assert.False(ledger.CanAdmit(T0, 200));
        Assert.True(ledger.Release("a", 300, T0).CanAdmit(T0, 200)); // the estimate was high; real usage leaves room
    }

    [Fact]
    public void CanAdmit_RequestLargerThanTheWholeBudget_GoesWhenWindowIsEmpty()
    {
        Assert.True(new GateLedger(new GateLimits(null, null, 100, Minute)).CanAdmit(T0, 5000));
    }

    [Theory]
    [InlineData(60, 600, 6000L, 600, 6000L)]
    [InlineData(2, 120, 60000L, 4, 2000L)]
    public void FromPerMinute_ScalesToTheWindow(int windowSeconds, int rpm, long tpm, int expectedRequests, long expectedTokens)
    {
        var limits = GateLimits.FromPerMinute(3, rpm, tpm, TimeSpan.FromSeconds(windowSeconds));

        Assert.Equal((3, expectedRequests, expectedTokens), (limits.MaxConcurrent!.Value, limits.RequestsPerWindow!.Value, limits.TokensPerWindow!.Value));
    }

    [Fact]
    public void FromPerMinute_ZeroOrNull_MeansUnlimited()
    {
        Assert.True(GateLimits.FromPerMinute(0, null, 0, Minute).IsUnlimited);
    }
}
