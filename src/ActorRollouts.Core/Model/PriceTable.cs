using System.Collections.Immutable;

namespace ActorRollouts.Core.Model;

/// <summary>USD per million tokens for one model family. Cached input is billed at its own rate; reasoning tokens are
/// part of the output tokens and billed as output.</summary>
public sealed record ModelPrice(decimal InputPerMillion, decimal CachedInputPerMillion, decimal OutputPerMillion);

/// <summary>Prices by model-name prefix; the longest matching prefix wins, so <c>gpt-4o-mini</c> can differ from
/// <c>gpt-4o</c>. A model with no entry costs 0 (a local model, or one the table does not know).</summary>
public sealed record PriceTable(ImmutableDictionary<string, ModelPrice> Prices)
{
    public static readonly PriceTable Empty = new(ImmutableDictionary<string, ModelPrice>.Empty);

    /// <summary>One pass, no sorting: it runs on every model answer (a LINQ sort here was 0.7% of the engine's CPU on
    /// the fleet benchmark).</summary>
    public ModelPrice? Find(string model)
    {
        ModelPrice? longest = null;
        var length = -1;
        foreach (var (prefix, price) in Prices)
            if (prefix.Length > length && model.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
                (longest, length) = (price, prefix.Length);
        return longest;
    }

    public decimal Cost(string model, Usage usage)
    {
        if (Find(model) is not { } price) return 0m;
        var cached = Math.Min(usage.CachedTokens, usage.InputTokens);
        return ((usage.InputTokens - cached) * price.InputPerMillion
                + cached * price.CachedInputPerMillion
                + usage.OutputTokens * price.OutputPerMillion) / 1_000_000m;
    }
}
