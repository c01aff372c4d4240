using System.Diagnostics;
using ActorRollouts.Environments.Diffs;

namespace ActorRollouts.Environments.Tests;

/// <summary>Every diff a tool produces, applied with the real <c>patch -p1</c> to the old file, gives the new file.</summary>
public class DiffPatchTests
{
    public static TheoryData<string, string?, string?> Changes() => new()
    {
        { "created", null, "one\ntwo\n" },
        { "created without final newline", null, "solo" },
        { "middle line changed", Lines(1, 20), Lines(1, 20).Replace("line 10\n", "LINE TEN\n") },
        { "two far-apart hunks", Lines(1, 40), Lines(1, 40).Replace("line 3\n", "line three\n").Replace("line 35\n", "") },
        { "last line without newline changed", "a\nb\nc", "a\nb\nC" },
        { "final newline removed", "a\nb\n", "a\nb" },
        { "final newline added", "a\nb", "a\nb\n" },
        { "emptied", "a\nb\n", "" },
        { "deleted", "a\nb\n", null },
        { "lines inserted at the top", "x\ny\n", "new 1\nnew 2\nx\ny\n" },
        { "unicode and tabs", "naïve\tcafé\n", "naïve\tcafé ☕\nüber\n" },
    };

    [Theory]
    [MemberData(nameof(Changes))]
    public async Task UnifiedDiff_AppliedWithPatchP1_ReproducesTheNewFile(string name, string? oldText, string? newText)
    {
        var diff = UnifiedDiff.Create("dir/file.txt", oldText, newText);

        var patched = await ApplyWithPatch("dir/file.txt", oldText, diff);

        Assert.True(newText == patched, $"{name}\n--- diff ---\n{diff}\n--- got ---\n{patched ?? "<absent>"}");
    }

    [Fact]
    public async Task WriteAndEditTools_TheirDiffs_ApplyWithPatch()
    {
        using var ws = new TempWorkspace();
        var original = Lines(1, 12);
        ws.Write("src/app.txt", original);

        var edit = await ws.Run("edit_file", new { path = "src/app.txt", old_string = "line 6\n", new_string = "line six\nline 6b\n" });
        var afterEdit = File.ReadAllText(ws.PathOf("src/app.txt"));
        var write = await ws.Run("write_file", new { path = "src/app.txt", content = "rewritten" });

        Assert.Equal(afterEdit, await ApplyWithPatch("src/app.txt", original, edit.Diffs![0].Diff));
        Assert.Equal("rewritten", await ApplyWithPatch("src/app.txt", afterEdit, write.Diffs![0].Diff));
    }

    [Fact]
    public void Count_CountsAddedAndRemovedLinesNotHeaders()
    {
        Assert.Equal((2, 1), Core.Analysis.DiffLines.Count(UnifiedDiff.Create("f", "a\nb\n", "a\nB\nc\n")));
    }

    [Fact]
    public void Count_LinesStartingWithDashDashOrPlusPlus_AreChangesNotHeaders()
    {
        var diff = UnifiedDiff.Create("q.sql", "-- drop this comment\nselect 1;\n-- and this\n", "select 1;\n++ added\n");

        Assert.Equal((1, 2), Core.Analysis.DiffLines.Count(diff));
    }

    private static string Lines(int from, int to) => string.Concat(Enumerable.Range(from, to - from + 1).Select(i => $"line {i}\n"));

    /// <summary>Writes the old file (if any) into a fresh tree, runs <c>patch -p1</c> there, returns the file after.</summary>
    internal static async Task<string?> ApplyWithPatch(string relative, string? oldText, string diff)
    {
        var tree = Path.Combine(Path.GetTempPath(), "ar-patch", Guid.NewGuid().ToString("n")[..12]);
        Directory.CreateDirectory(tree);
        var file = Path.Combine(tree, relative);
        if (oldText is not null)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            await File.WriteAllTextAsync(file, oldText);
        }
        var start = new ProcessStartInfo("patch", ["-p1", "--batch", "--no-backup-if-mismatch"])
        {
            WorkingDirectory = tree, RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        await process.StandardInput.WriteAsync(diff);
        process.StandardInput.Close();
        var output = await process.StandardOutput.ReadToEndAsync() + await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"patch failed ({process.ExitCode}): {output}\n{diff}");
        var result = File.Exists(file) ? await File.ReadAllTextAsync(file) : null;
        Directory.Delete(tree, recursive: true);
        return result;
    }
}
