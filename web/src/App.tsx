import { lazy, Suspense } from "react";
import { BrowserRouter, NavLink, Route, Routes } from "react-router";
import { ThemeProvider, useTheme } from "./theme";
import { WalletProvider } from "./wallet/context";
import { WalletButton } from "./wallet/WalletButton";
import { Overview } from "./pages/Overview";
import { Devices } from "./pages/Devices";
import { Device } from "./pages/Device";
import { Provider } from "./pages/Provider";
import { JobPage, Jobs } from "./pages/Jobs";
import { Clusters, Rewards, Transactions } from "./pages/Lists";

// The wallet pages are loaded when visited: the explorer's first render does not wait for them.
const Dashboard = lazy(() => import("./pages/Dashboard"));
const Cloud = lazy(() => import("./pages/Cloud"));
const Convert = lazy(() => import("./pages/Convert"));
const Tx = lazy(() => import("./pages/Tx").then((m) => ({ default: m.Tx })));

function ThemeButton() {
  const { theme, toggle } = useTheme();
  return (
    <button type="button" onClick={toggle} aria-label={`switch to the ${theme === "dark" ? "light" : "dark"} theme`}>
      {theme === "dark" ? "☀ light" : "☾ dark"}
    </button>
  );
}

const links: [string, string][] = [
  ["/", "Overview"],
  ["/devices", "Devices"],
  ["/jobs", "Jobs"],
  ["/clusters", "Clusters"],
  ["/rewards", "Rewards"],
  ["/transactions", "Transactions"],
  ["/provider", "Provider"],
  ["/cloud", "Cloud"],
  ["/convert", "Convert"],
];

function NotFound() {
  return (
    <>
      <h1>Not found</h1>
      <p>No page here. The explorer starts at the <NavLink to="/">overview</NavLink>.</p>
    </>
  );
}

export function App() {
  return (
    <ThemeProvider>
      <WalletProvider>
        <BrowserRouter>
          <a className="skip" href="#main">
            Skip to content
          </a>
          <header className="top">
            <NavLink to="/" className="brand">
              gpunet
            </NavLink>
            <nav aria-label="main">
              {links.map(([to, label]) => (
                <NavLink key={to} to={to} end={to === "/"}>
                  {label}
                </NavLink>
              ))}
            </nav>
            <div className="tools">
              <WalletButton />
              <ThemeButton />
            </div>
          </header>
          <main id="main">
            <Suspense fallback={<div className="loading">Loading the page…</div>}>
              <Routes>
                <Route path="/" element={<Overview />} />
                <Route path="/devices" element={<Devices />} />
                <Route path="/devices/:key" element={<Device />} />
                <Route path="/providers/:owner" element={<Provider />} />
                <Route path="/jobs" element={<Jobs />} />
                <Route path="/jobs/:address" element={<JobPage />} />
                <Route path="/clusters" element={<Clusters />} />
                <Route path="/rewards" element={<Rewards />} />
                <Route path="/transactions" element={<Transactions />} />
                <Route path="/tx/:sig" element={<Tx />} />
                <Route path="/provider" element={<Dashboard />} />
                <Route path="/cloud" element={<Cloud />} />
                <Route path="/convert" element={<Convert />} />
                <Route path="*" element={<NotFound />} />
              </Routes>
            </Suspense>
          </main>
          <footer className="foot">
            Open data from the gpunet explorer API (<a href="/v1/openapi.json">OpenAPI</a>). Amounts per device-hour unless said.
          </footer>
        </BrowserRouter>
      </WalletProvider>
    </ThemeProvider>
  );
}
