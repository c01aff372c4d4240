using ActorRollouts.Core.Model;

namespace ActorRollouts.Environments.Tests;

public class SafetyAndMoreToolsTests
{
    [Fact]
    public async Task EditFile_WithoutReadingItFirst_IsValidationAndChangesNothing()
    {
        using var ws = new TempWorkspace(EnvironmentOptions.Default);
        ws.Write("a.txt", "alpha\n");

        var refused = await ws.Run("edit_file", new { path = "a.txt", old_string = "alpha", new_string = "beta" });
        await ws.Run("read_file", new { path = "a.txt" });
        var allowed = await ws.Run("edit_file", new { path = "./a.txt", old_string = "alpha", new_string = "beta" });

        Assert.Equal(ErrorCodes.Validation, refused.ErrorCode);
        Assert.Contains("Read 'a.txt' with read_file before", refused.Content);
        Assert.True(allowed.Ok, allowed.Content);
        Assert.Equal("beta\n", File.ReadAllText(ws.PathOf("a.txt")));
    }

    [Fact]
    public async Task DeleteFile_RemovesItAndReportsTheDeletion()
    {
        using var ws = new TempWorkspace();
        ws.Write("old.txt", "x\n");

        var execution = await ws.Execute("delete_file", new { path = "old.txt" });

        Assert.True(execution.Outcome.Ok);
        Assert.False(File.Exists(ws.PathOf("old.txt")));
        Assert.Equal(FileChangeKinds.Deleted, Assert.Single(execution.Changes).Change);
        Assert.Equal(ErrorCodes.NotFound, (await ws.Run("delete_file", new { path = "old.txt" })).ErrorCode);
    }

    [Fact]
    public async Task Search_FindsMatchesWithContextAcrossFiles()
    {
        using var ws = new TempWorkspace();
        ws.Write("src/a.py", "import os\ndef main():\n    return 42\n");
        ws.Write("src/b.txt", "nothing here\n");
        ws.Write("c.py", "def helper():\n    pass\n");

        var result = await ws.Run("search", new { pattern = @"def \w+\(", glob = "**/*.py", context = 1 });

        Assert.True(result.Ok, result.Content);
        Assert.Contains("c.py:1: def helper():", result.Content);
        Assert.Contains("src/a.py:2: def main():", result.Content);
        Assert.Contains("src/a.py-1- import os", result.Content);
        Assert.Equal((2, 2), (result.Data!["matches"].GetInt32(), result.Data["files"].GetInt32()));
    }

    [Fact]
    public async Task Search_InvalidRegex_IsValidation()
    {
        using var ws = new TempWorkspace();

        Assert.Equal(ErrorCodes.Validation, (await ws.Run("search", new { pattern = "(unclosed" })).ErrorCode);
    }
}
