using ActorRollouts.Core.Retry;

namespace ActorRollouts.Core.Tests;

public class BackoffTests
{
    private static readonly TimeSpan Initial = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan Max = TimeSpan.FromSeconds(8);

    [Theory]
    [InlineData(1, 1.0, 500)]
    [InlineData(2, 1.0, 1000)]
    [InlineData(3, 1.0, 2000)]
    [InlineData(10, 1.0, 8000)]
    [InlineData(1, 0.0, 250)]
    [InlineData(3, 0.5, 1500)]
    public void Delay_WithoutRetryAfter_GrowsExponentiallyWithJitterAndCap(int attempt, double jitter, double expectedMs)
    {
        Assert.Equal(expectedMs, Backoff.Delay(attempt, null, Initial, Max, jitter).TotalMilliseconds, precision: 3);
    }

    [Theory]
    [InlineData(0.0, 2000)]
    [InlineData(0.4, 2200)]
    [InlineData(0.999, 2499.5)]
    public void Delay_ServerRetryAfter_WinsStretchedByJitterNeverShortened(double jitter, double expectedMs)
    {
        Assert.Equal(expectedMs, Backoff.Delay(5, TimeSpan.FromSeconds(2), Initial, Max, jitter).TotalMilliseconds, precision: 3);
    }

    [Fact]
    public void Delay_OneRetryAfterForAWholeFleet_SpreadsTheRetries()
    {
        var delays = Enumerable.Range(0, 100).Select(i => Backoff.Delay(1, TimeSpan.FromSeconds(10), Initial, Max, i / 100.0)).ToList();

        Assert.All(delays, d => Assert.InRange(d.TotalSeconds, 10, 12.5));
        Assert.Equal(100, delays.Distinct().Count());
    }
}
