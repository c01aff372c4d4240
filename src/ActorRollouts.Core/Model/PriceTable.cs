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

    public ModelPrice? Find(string model) =>
        Prices.Where(p => model.StartsWith(p.Key, StringComparison.OrdinalIgnoreCase))
            .OrderByDescending(p => p.Key.Length).Select(p => p.Value).FirstOrDefault();

    public decimal Cost(string model, Usage usage)
    {
        if (Find(model) is not { } price) return 0m;
        var cached = Math.Min(usage.CachedTokens, usage.InputTokens);
        return ((usage.InputTokens - cached) * price.InputPerMillion
                + cached * price.CachedInputPerMillion
                + usage.OutputTokens * price.OutputPerMillion) / 1_000_000m;
    }
}
