using ActorRollouts.Core.Analysis;

namespace ActorRollouts.Core.Tests;

public class AnalysisTests
{
    [Fact]
    public void Distribution_NearestRankPercentilesMeanStdMinMax()
    {
        var d = Distribution.Of([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);

        Assert.Equal((55.0, 5.5, 5.0, 10.0, 1.0, 10.0), (d.Total, d.Mean, d.P50, d.P95, d.Min, d.Max));
        Assert.Equal(Math.Sqrt(8.25), d.Std, precision: 10);
    }

    [Fact]
    public void DiffLines_CountsChangesNotHeaders()
    {
        Assert.Equal((2, 1), DiffLines.Count("--- a/f\n+++ b/f\n@@ -1,2 +1,3 @@\n a\n-b\n+B\n+c\n\\ No newline at end of file\n"));
    }

    [Fact]
    public void DiffLines_RemovedAndAddedLinesThatLookLikeFileHeaders_AreCounted()
    {
        // A SQL comment removed ("-- old") and a C++ increment added ("++ i") read as "--- old" and "+++ i".
        const string diff = "--- a/q.sql\n+++ b/q.sql\n@@ -1,3 +1,3 @@\n--- old\n+++ i\n select 1;\n--- also old\n+-- new\n";

        Assert.Equal((2, 2), DiffLines.Count(diff));
    }

    [Fact]
    public void DiffLines_SeveralHunksAndOneLineCounts_AreEachCounted()
    {
        const string diff = "--- a/f\n+++ b/f\n@@ -2 +2 @@\n-x\n+y\n@@ -9,2 +9,0 @@\n-p\n-q\n";

        Assert.Equal((1, 3), DiffLines.Count(diff));
    }
}
