using System.Text.Json;
using ActorRollouts.Core.Model;
using ActorRollouts.Environments.Tools;

namespace ActorRollouts.Environments.Tests;

public class ToolExecutorTests
{
    [Fact]
    public async Task Execute_UnknownTool_IsToolUnknownListingTheAvailableOnes()
    {
        using var ws = new TempWorkspace("read_file", "write_file");

        var result = await ws.Run("teleport", new { to = "mars" });

        Assert.Equal(ErrorCodes.ToolUnknown, result.ErrorCode);
        Assert.Contains("Available tools: read_file, write_file", result.Content);
    }

    [Fact]
    public async Task Execute_AnUnreadableToolCallBlock_IsValidationQuotingIt_SoTheModelCanWriteItAgain()
    {
        using var ws = new TempWorkspace("read_file", "write_file");
        var broken = Assert.Single(Core.Tokens.ToolCallParsers.Parse(Core.Tokens.ToolCallParsers.Hermes,
            "<tool_call>\n{\"name\": \"read_file\", \"arguments\": {\"path\": \"a\"\n</tool_call>", 1).Calls);

        var result = await ws.RunRaw(broken.Name, broken.Arguments.ToString());

        Assert.Equal(ErrorCodes.Validation, result.ErrorCode);
        Assert.Contains("A <tool_call> block could not be read", result.Content);
        Assert.Contains("read_file", result.Content);
    }

    [Fact]
    public async Task Execute_ToolNotEnabledForTheTask_IsToolUnknown()
    {
        using var ws = new TempWorkspace("read_file");

        Assert.Equal(ErrorCodes.ToolUnknown, (await ws.Run("write_file", new { path = "a", content = "b" })).ErrorCode);
        Assert.False(File.Exists(ws.PathOf("a")));
    }

    [Theory]
    [InlineData("{\"path\": \"a.txt\", \"content\": ", "not valid JSON")]
    [InlineData("[1, 2]", "must be a JSON object")]
    [InlineData("{\"content\": \"x\"}", "Parameter 'path' is required")]
    [InlineData("{\"path\": 5, \"content\": \"x\"}", "Parameter 'path' must be a non-empty string, got a number")]
    [InlineData("{\"path\": \"a.txt\", \"content\": \"x\", \"mode\": \"w\"}", "Unknown parameter 'mode'")]
    public async Task Execute_BadArguments_IsValidationSayingWhatIsWrong(string arguments, string expected)
    {
        using var ws = new TempWorkspace();

        var result = await ws.RunRaw("write_file", arguments);

        Assert.Equal(ErrorCodes.Validation, result.ErrorCode);
        Assert.Contains(expected, result.Content);
        Assert.False(File.Exists(ws.PathOf("a.txt")));
    }

    [Fact]
    public async Task Execute_ToolThatThrows_IsInternalErrorAndExecutorStaysUsable()
    {
        using var ws = new TempWorkspace();
        var executor = new ToolExecutor(ws.Workspace, [new ThrowingTool(), ToolCatalog.Get("list_files")]);

        var crashed = (await executor.ExecuteAsync(new ToolCall("c1", "explode", "{}"), CancellationToken.None)).Outcome;
        var after = (await executor.ExecuteAsync(new ToolCall("c2", "list_files", "{}"), CancellationToken.None)).Outcome;

        Assert.Equal(ErrorCodes.Internal, crashed.ErrorCode);
        Assert.Contains("kaboom", crashed.Content);
        Assert.True(after.Ok);
    }

    [Fact]
    public async Task Execute_EmptyArgumentsString_CountsAsEmptyObject()
    {
        using var ws = new TempWorkspace();

        Assert.True((await ws.RunRaw("list_files", "")).Ok);
    }

    [Fact]
    public void Catalog_EverySpec_IsAnObjectSchemaWithoutExtraProperties()
    {
        foreach (var spec in ToolCatalog.Specs(ToolCatalog.AllToolNames))
        {
            Assert.Equal("object", spec.ParametersSchema.GetProperty("type").GetString());
            Assert.False(spec.ParametersSchema.GetProperty("additionalProperties").GetBoolean());
            Assert.All(spec.ParametersSchema.GetProperty("required").EnumerateArray(),
                r => Assert.True(spec.ParametersSchema.GetProperty("properties").TryGetProperty(r.GetString()!, out _)));
        }
        Assert.True(ToolCatalog.IsIdempotent("read_file"));
        Assert.False(ToolCatalog.IsIdempotent("write_file"));
    }

    private sealed class ThrowingTool : ITool
    {
        public ToolSpec Spec { get; } = new("explode", "always throws", JsonDocument.Parse("""{"type":"object","properties":{}}""").RootElement);
        public bool Idempotent => false;

        public Task<ToolResult> ExecuteAsync(ToolCall call, JsonElement arguments, ToolContext context, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("kaboom");
    }
}
