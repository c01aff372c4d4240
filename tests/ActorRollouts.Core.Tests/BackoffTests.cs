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

    [Fact]
    public void Delay_ServerRetryAfter_Wins()
    {
        Assert.Equal(TimeSpan.FromSeconds(2), Backoff.Delay(5, TimeSpan.FromSeconds(2), Initial, Max, 0.3));
    }
}
