using System.Text;
using DiffPlex;
using DiffPlex.Chunkers;
using DiffPlex.Model;

namespace ActorRollouts.Environments.Diffs;

/// <summary>Unified diffs in the format <c>patch -p1</c> applies: <c>--- a/p</c> / <c>+++ b/p</c> headers
/// (<c>/dev/null</c> for a created or deleted file), <c>@@</c> hunks with three lines of context, and
/// <c>\ No newline at end of file</c> where a last line has no newline. DiffPlex computes the line diff; lines keep
/// their line endings, so a change of only the final newline is a change too.</summary>
public static class UnifiedDiff
{
    private const int Context = 3;

    /// <param name="oldText">Null when the file was created.</param>
    /// <param name="newText">Null when the file was deleted.</param>
    public static string Create(string path, string? oldText, string? newText)
    {
        var diff = new StringBuilder()
            .Append("--- ").Append(oldText is null ? "/dev/null" : "a/" + path).Append('\n')
            .Append("+++ ").Append(newText is null ? "/dev/null" : "b/" + path).Append('\n');
        var result = Differ.Instance.CreateDiffs(oldText ?? "", newText ?? "", false, false, LineEndingsPreservingChunker.Instance);
        foreach (var hunk in Group(result.DiffBlocks))
            AppendHunk(diff, hunk, result.PiecesOld, result.PiecesNew);
        return diff.ToString();
    }

    /// <summary>Blocks closer than twice the context share one hunk.</summary>
    private static IEnumerable<List<DiffBlock>> Group(IList<DiffBlock> blocks)
    {
        List<DiffBlock>? current = null;
        foreach (var block in blocks)
        {
            if (current is not null && block.DeleteStartA - End(current[^1]) <= 2 * Context)
            {
                current.Add(block);
                continue;
            }
            if (current is not null) yield return current;
            current = [block];
        }
        if (current is not null) yield return current;
    }

    private static void AppendHunk(StringBuilder diff, List<DiffBlock> blocks, IReadOnlyList<string> a, IReadOnlyList<string> b)
    {
        var (first, last) = (blocks[0], blocks[^1]);
        var oldStart = Math.Max(0, first.DeleteStartA - Context);
        var oldEnd = Math.Min(a.Count, End(last) + Context);
        var newStart = first.InsertStartB - (first.DeleteStartA - oldStart);
        var newEnd = last.InsertStartB + last.InsertCountB + (oldEnd - End(last));
        diff.Append("@@ -").Append(Range(oldStart, oldEnd - oldStart)).Append(" +").Append(Range(newStart, newEnd - newStart)).Append(" @@\n");

        var i = oldStart;
        foreach (var block in blocks)
        {
            for (; i < block.DeleteStartA; i++) Line(diff, ' ', a[i]);
            for (var d = 0; d < block.DeleteCountA; d++) Line(diff, '-', a[block.DeleteStartA + d]);
            for (var n = 0; n < block.InsertCountB; n++) Line(diff, '+', b[block.InsertStartB + n]);
            i = End(block);
        }
        for (; i < oldEnd; i++) Line(diff, ' ', a[i]);
    }

    private static int End(DiffBlock block) => block.DeleteStartA + block.DeleteCountA;

    /// <summary>GNU format: an empty range names the line before it.</summary>
    private static string Range(int start, int count) => count == 0 ? $"{start},0" : $"{start + 1},{count}";

    private static void Line(StringBuilder diff, char prefix, string line)
    {
        diff.Append(prefix).Append(line);
        if (!line.EndsWith('\n')) diff.Append("\n\\ No newline at end of file\n");
    }
}
