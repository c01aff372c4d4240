using ActorRollouts.Core.Model;

namespace ActorRollouts.Core.Tests;

public class ApiRoutingTests
{
    [Theory]
    [InlineData("auto", "o1", "responses")]
    [InlineData("auto", "o1-preview", "responses")]
    [InlineData("auto", "o1-mini", "responses")]
    [InlineData("auto", "o3", "responses")]
    [InlineData("auto", "o3-mini", "responses")]
    [InlineData("auto", "o4-mini", "responses")]
    [InlineData("auto", "gpt-5", "responses")]
    [InlineData("auto", "gpt-5-codex", "responses")]
    [InlineData("auto", "gpt-5.1", "responses")]
    [InlineData("auto", "gpt-5.1-codex-high", "responses")]
    [InlineData("auto", "GPT-5-mini", "responses")]
    [InlineData("auto", "openai/gpt-5", "responses")]
    [InlineData("auto", "gpt-4o", "chat")]
    [InlineData("auto", "gpt-4.1-mini", "chat")]
    [InlineData("auto", "Qwen/Qwen3-8B", "chat")]
    [InlineData("auto", "meta-llama/Llama-3.1-8B-Instruct", "chat")]
    [InlineData("auto", "omni-moderation", "chat")]
    [InlineData("auto", "o1x", "chat")]
    [InlineData("chat", "gpt-5.1", "chat")]
    [InlineData("responses", "gpt-4o", "responses")]
    [InlineData("AUTO", "o1", "responses")]
    public void Resolve_RoutesByExplicitApiOrModelFamily(string api, string model, string expected)
    {
        Assert.Equal(expected, ApiRouting.Resolve(api, model));
    }

    [Fact]
    public void Resolve_UnknownApi_Throws()
    {
        Assert.Contains("auto, chat or responses", Assert.Throws<ArgumentException>(() => ApiRouting.Resolve("grpc", "gpt-4o")).Message);
    }

    [Theory]
    [InlineData("gpt-5.1-codex-high", "gpt-5.1-codex", "high")]
    [InlineData("gpt-5.1-low", "gpt-5.1", "low")]
    [InlineData("gpt-5.1-codex-max-medium", "gpt-5.1-codex-max", "medium")]
    [InlineData("gpt-5.1-codex", "gpt-5.1-codex", null)]
    [InlineData("gpt-5-high", "gpt-5-high", null)]
    [InlineData("gpt-4o", "gpt-4o", null)]
    public void SplitEffort_StripsSuffixOnlyOnGpt51Names(string model, string expectedModel, string? expectedEffort)
    {
        Assert.Equal((expectedModel, expectedEffort), ApiRouting.SplitEffort(model));
    }
}
