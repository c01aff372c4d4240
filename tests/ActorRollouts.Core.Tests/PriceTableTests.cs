using System.Collections.Immutable;
using ActorRollouts.Core.Model;

namespace ActorRollouts.Core.Tests;

public class PriceTableTests
{
    private static readonly PriceTable Table = new(ImmutableDictionary<string, ModelPrice>.Empty
        .Add("gpt-4o", new ModelPrice(2.50m, 1.25m, 10m))
        .Add("gpt-4o-mini", new ModelPrice(0.15m, 0.075m, 0.60m)));

    [Fact]
    public void Cost_BillsUncachedCachedAndOutputTokensAtTheirRates()
    {
        var cost = Table.Cost("gpt-4o", new Usage(InputTokens: 1_000_000, OutputTokens: 100_000, ReasoningTokens: 50_000, CachedTokens: 400_000));

        Assert.Equal(600_000 * 2.50m / 1e6m + 400_000 * 1.25m / 1e6m + 100_000 * 10m / 1e6m, cost);
    }

    [Fact]
    public void Find_LongestPrefixWins()
    {
        Assert.Equal(0.15m, Table.Find("gpt-4o-mini-2024-07-18")!.InputPerMillion);
        Assert.Equal(2.50m, Table.Find("gpt-4o-2024-08-06")!.InputPerMillion);
    }

    [Fact]
    public void Cost_UnknownModel_IsZero()
    {
        Assert.Equal(0m, Table.Cost("Qwen/Qwen3-8B", new Usage(1000, 1000)));
    }
}
