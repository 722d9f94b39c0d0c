using Inference.Benchmarks;
using Inference.Benchmarks.Micro;
using Inference.Benchmarks.Overhead;

// The overhead suite starts this binary again as its baseline server.
if (args.Length > 0 && args[0] == BaselineServer.Command)
{
    return await BaselineServer.RunAsync(args[1..]);
}

// make bench runs every suite (no arguments); a name runs one. Results go to stdout and to RESULTS.md beside this project.
string[] known = ["engine", "serving", "overhead", "limits", "micro"];
string[] suites = args.Length > 0 ? args : known;
var report = new MarkdownReport();
foreach (string suite in suites)
{
    switch (suite)
    {
        case "engine":
            await EngineBenchmark.RunAsync(report);
            BufferReuseBenchmark.Run(report);
            break;
        case "serving":
            await ServingBenchmark.RunAsync(report);
            break;
        case "overhead":
            await OverheadBenchmark.RunAsync(report);
            break;
        case "limits":
            await LimitsBenchmark.RunAsync(report);
            break;
        case "micro":
            MicroBenchmarks.Run(report);
            break;
        default:
            Console.Error.WriteLine($"Unknown suite '{suite}'. Known: {string.Join(", ", known)}.");
            return 2;
    }
}

report.Write();
return 0;
