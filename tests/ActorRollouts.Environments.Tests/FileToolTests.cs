using ActorRollouts.Core.Model;

namespace ActorRollouts.Environments.Tests;

public class FileToolTests
{
    [Fact]
    public async Task ReadFile_ExistingFile_ReturnsNumberedLinesAndRecordsData()
    {
        using var ws = new TempWorkspace();
        ws.Write("a.txt", "one\ntwo\nthree\n");

        var result = await ws.Run("read_file", new { path = "a.txt" });

        Assert.True(result.Ok, result.Content);
        Assert.Equal("     1\tone\n     2\ttwo\n     3\tthree\n", result.Content);
        Assert.Equal(3, result.Data!["lines"].GetInt32());
        Assert.Equal(14, result.Data["bytes"].GetInt32());
    }

    [Fact]
    public async Task ReadFile_OffsetAndLimit_ShowWindowAndSayHowToReadMore()
    {
        using var ws = new TempWorkspace();
        ws.Write("a.txt", string.Join("\n", Enumerable.Range(1, 10).Select(i => $"line {i}")));

        var result = await ws.Run("read_file", new { path = "a.txt", offset = 4, limit = 2 });

        Assert.StartsWith("     4\tline 4\n     5\tline 5\n", result.Content);
        Assert.Contains("showing lines 4-5 of 10", result.Content);
    }

    [Fact]
    public async Task ReadFile_Missing_IsNotFound_AndDirectory_IsValidation()
    {
        using var ws = new TempWorkspace();
        Directory.CreateDirectory(ws.PathOf("dir"));

        Assert.Equal(ErrorCodes.NotFound, (await ws.Run("read_file", new { path = "nope.txt" })).ErrorCode);
        Assert.Equal(ErrorCodes.Validation, (await ws.Run("read_file", new { path = "dir" })).ErrorCode);
    }

    [Fact]
    public async Task WriteFile_NewFileInNewFolder_CreatesItWithDiffFromDevNull()
    {
        using var ws = new TempWorkspace();

        var result = await ws.Run("write_file", new { path = "src/new.txt", content = "hello\n" });

        Assert.True(result.Ok, result.Content);
        Assert.Equal("hello\n", File.ReadAllText(ws.PathOf("src/new.txt")));
        Assert.Equal(["src/new.txt"], result.FilesChanged!);
        Assert.Equal("--- /dev/null\n+++ b/src/new.txt\n@@ -0,0 +1,1 @@\n+hello\n", Assert.Single(result.Diffs!).Diff);
        Assert.True(result.Data!["created"].GetBoolean());
    }

    /// <summary>write_file unescapes the arguments' JSON itself, straight into the file: every escape form a model may
    /// use comes out as the text it stands for, and raw UTF-8 passes through unchanged.</summary>
    [Theory]
    [InlineData("""{"path":"e.txt","content":"q\"b\\s\/n\nt\tr\rb\bf\f"}""", "q\"b\\s/n\nt\tr\rb\bf\f")]
    [InlineData("""{"path":"e.txt","content":"\u00e9\u4e2d\ud83d\ude00 é中😀 \u0001"}""", "é中😀 é中😀 \u0001")]
    [InlineData("""{"path":"e.txt","content":"lone \ud800 and \udc00 and \ud800\u0041"}""", "lone \uFFFD and \uFFFD and \uFFFDA")]
    [InlineData("""{"path":"e.txt","content":""}""", "")]
    public async Task WriteFile_EveryEscape_IsWrittenAsTheTextItStandsFor(string arguments, string expected)
    {
        using var ws = new TempWorkspace();

        var result = await ws.RunRaw("write_file", arguments);

        Assert.True(result.Ok, result.Content);
        Assert.Equal(System.Text.Encoding.UTF8.GetBytes(expected), File.ReadAllBytes(ws.PathOf("e.txt")));
        Assert.Equal(System.Text.Encoding.UTF8.GetByteCount(expected), result.Data!["bytes"].GetInt64());
    }

    [Fact]
    public async Task WriteFile_LargeContent_IsWrittenByteForByte()
    {
        using var ws = new TempWorkspace();
        // A run with no escape longer than the 64 KB block the unescaping fills, then an escape every few bytes.
        var content = new string('x', 150_000) + string.Concat(Enumerable.Range(0, 40_000).Select(i => $"line {i}: \"é\" \\ 😀\t\n"));

        var result = await ws.Run("write_file", new { path = "big.txt", content });

        Assert.True(result.Ok, result.Content);
        Assert.Equal(System.Text.Encoding.UTF8.GetBytes(content), File.ReadAllBytes(ws.PathOf("big.txt")));
        Assert.Equal(System.Text.Encoding.UTF8.GetByteCount(content), result.Data!["bytes"].GetInt64());
    }

    [Fact]
    public async Task EditFile_UniqueMatch_ReplacesItAndReturnsDiff()
    {
        using var ws = new TempWorkspace();
        ws.Write("a.txt", "alpha\nbeta\ngamma\n");

        var result = await ws.Run("edit_file", new { path = "a.txt", old_string = "beta", new_string = "BETA" });

        Assert.True(result.Ok, result.Content);
        Assert.Equal("alpha\nBETA\ngamma\n", File.ReadAllText(ws.PathOf("a.txt")));
        Assert.Contains("-beta\n+BETA\n", result.Diffs![0].Diff);
        Assert.Equal(["a.txt"], result.FilesChanged!);
    }

    [Fact]
    public async Task EditFile_OldStringOccursTwice_ReturnsNotUniqueAndChangesNothing()
    {
        using var ws = new TempWorkspace();
        ws.Write("a.txt", "x = 1\nx = 1\n");

        var result = await ws.Run("edit_file", new { path = "a.txt", old_string = "x = 1", new_string = "x = 2" });

        Assert.Equal(ErrorCodes.NotUnique, result.ErrorCode);
        Assert.Contains("2 times", result.Content);
        Assert.Equal("x = 1\nx = 1\n", File.ReadAllText(ws.PathOf("a.txt")));
    }

    [Fact]
    public async Task EditFile_ReplaceAll_ReplacesEveryOccurrence()
    {
        using var ws = new TempWorkspace();
        ws.Write("a.txt", "x = 1\nx = 1\n");

        var result = await ws.Run("edit_file", new { path = "a.txt", old_string = "x = 1", new_string = "x = 2", replace_all = true });

        Assert.Equal(2, result.Data!["replacements"].GetInt32());
        Assert.Equal("x = 2\nx = 2\n", File.ReadAllText(ws.PathOf("a.txt")));
    }

    [Theory]
    [InlineData("absent", "y", ErrorCodes.NotFound)]
    [InlineData("", "y", ErrorCodes.Validation)]
    [InlineData("same", "same", ErrorCodes.Validation)]
    public async Task EditFile_BadOldString_IsRefused(string oldString, string newString, string code)
    {
        using var ws = new TempWorkspace();
        ws.Write("a.txt", "same\n");

        Assert.Equal(code, (await ws.Run("edit_file", new { path = "a.txt", old_string = oldString, new_string = newString })).ErrorCode);
    }

    [Fact]
    public async Task ListFiles_Recursive_SortedRelativeAndGlobFiltered()
    {
        using var ws = new TempWorkspace();
        ws.Write("b.cs", "");
        ws.Write("a.txt", "");
        ws.Write("src/deep/c.cs", "");

        var all = await ws.Run("list_files", new { });
        var cs = await ws.Run("list_files", new { glob = "**/*.cs" });
        var sub = await ws.Run("list_files", new { path = "src" });

        Assert.Equal("a.txt\nb.cs\nsrc/deep/c.cs\n", all.Content);
        Assert.Equal("b.cs\nsrc/deep/c.cs\n", cs.Content);
        Assert.Equal("src/deep/c.cs\n", sub.Content);
        Assert.Equal(3, all.Data!["count"].GetInt32());
    }
}
