using ActorRollouts.Core.Tasks;
using System.Diagnostics;

namespace ActorRollouts.Environments.Images;

/// <summary>skopeo and umoci, run as processes (Debian packages; neither needs a daemon or root).</summary>
internal static class ImageTools
{
    public sealed record Ran(int ExitCode, string Stdout, string Stderr)
    {
        /// <summary>The tool's own last line of complaint, for the user (skopeo's <c>time=… level=fatal msg="…"</c> as
        /// its message alone).</summary>
        public string Reason
        {
            get
            {
                var last = (Stderr.Trim().Split('\n').LastOrDefault(l => l.Trim().Length > 0) ?? $"exit code {ExitCode}").Trim();
                var msg = last.IndexOf("msg=\"", StringComparison.Ordinal);
                return msg < 0 ? last : last[(msg + 5)..].TrimEnd('"').Replace("\\\"", "\"");
            }
        }
    }

    public static async Task<Ran> RunAsync(string program, IEnumerable<string> args, CancellationToken cancel)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            throw new ImageException($"{program} is not installed (apt-get install {program}): images are read and unpacked with skopeo and umoci");
        }
        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync(cancel);
            var stderr = process.StandardError.ReadToEndAsync(cancel);
            try
            {
                await process.WaitForExitAsync(cancel);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw;
            }
            return new Ran(process.ExitCode, await stdout, await stderr);
        }
    }
}
