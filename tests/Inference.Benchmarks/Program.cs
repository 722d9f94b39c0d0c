using Inference.Benchmarks;

// make bench runs every suite; a name runs one. Results go to stdout and to RESULTS.md beside this project.
string[] suites = args.Length > 0 ? args : ["engine"];
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
        default:
            Console.Error.WriteLine($"Unknown suite '{suite}'. Known: engine, serving.");
            return 2;
    }
}

report.Write();
return 0;
