using System.Collections.Immutable;
using ActorRollouts.Core.Tasks;
using ActorRollouts.Environments.Images;

namespace ActorRollouts.Cli.Hosting;

/// <summary>Captures each distinct image of a new fleet once, before anything starts (<see cref="ImageStore"/>): pulled or
/// read, its size checked, unpacked without root into the data dir's <c>images/</c>. Every session's spec then names the
/// image's manifest digest and config, so <c>fleet-started</c> journals exactly which image each session runs in. An image
/// that cannot be had stops the fleet here, naming the task and the reason.</summary>
public static class FleetImages
{
    public static async Task<ImmutableList<SessionSpec>> CaptureAsync(ImmutableList<SessionSpec> specs, ImageStore store, TextWriter report,
        CancellationToken cancel = default)
    {
        if (specs.All(s => s.Image is null)) return specs;
        var captured = new Dictionary<string, CapturedImage>(StringComparer.Ordinal);
        foreach (var group in specs.Where(s => s.Image is not null).GroupBy(s => s.Image!.Reference, StringComparer.Ordinal))
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            try
            {
                captured[group.Key] = await store.CaptureAsync(ImageReference.Parse(group.Key, "/"), cancel);
            }
            catch (ImageException ex)
            {
                var tasks = group.Select(s => s.TaskId).Distinct().ToList();
                throw new UsageException($"task {string.Join(", ", tasks.Take(3).Select(t => $"'{t}'"))}{(tasks.Count > 3 ? $" and {tasks.Count - 3} more" : "")}: {ex.Message}");
            }
            var image = captured[group.Key];
            report.WriteLine($"image {group.Key}: {image.Bytes / 1e6:0.#} MB as stored, {image.Digest[..19]} ready in {clock.ElapsedMilliseconds} ms");
        }
        return specs.Select(s => s.Image is { } i ? s with { Image = WithCapture(i, captured[i.Reference]) } : s).ToImmutableList();
    }

    private static SessionImage WithCapture(SessionImage image, CapturedImage captured) =>
        image with { Digest = captured.Digest, Env = captured.Env, WorkingDir = captured.WorkingDir, Uid = captured.Uid, Gid = captured.Gid };
}
