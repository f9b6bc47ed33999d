import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { whenUnauthorized } from "./api.js";
import { currentToken, forgetToken } from "./auth.js";
import { href, useRoute, type View } from "./route.js";
import "./style.css";
import { Analytics } from "./views/Analytics.js";
import { Live } from "./views/Live.js";
import { Login } from "./views/Login.js";
import { Sessions } from "./views/Sessions.js";
import { Timeline } from "./views/Timeline.js";
import { TimeTravel } from "./views/TimeTravel.js";

const NAV: [View, string][] = [
  ["sessions", "Sessions"],
  ["live", "Live"],
  ["analytics", "Analytics"],
];

function App() {
  const route = useRoute();
  // no probe first: the view asks straight away, and the first 401 (a server with tokens) brings the login
  const [auth, setAuth] = useState<"login" | "ready">("ready");
  useEffect(() => {
    whenUnauthorized(() => {
      forgetToken();
      setAuth("login");
    });
  }, []);
  const current = route.view === "timeline" || route.view === "state" ? "sessions" : route.view;
  return (
    <>
      <header>
        <a class="skip" href="#main">Skip to content</a>
        <span class="brand">Session events</span>
        <nav aria-label="views">
          {NAV.map(([view, label]) => (
            <a key={view} href={href(view)} aria-current={current === view ? "page" : undefined}>{label}</a>
          ))}
        </nav>
        {currentToken() && auth === "ready" && (
          <button type="button" class="sign-out" onClick={() => { forgetToken(); setAuth("login"); }}>Sign out</button>
        )}
      </header>
      <main id="main">
        {auth === "login" && <Login onDone={() => setAuth("ready")} />}
        {auth === "ready" && route.view === "sessions" && <Sessions route={route} />}
        {auth === "ready" && route.view === "timeline" && <Timeline key={route.key} route={route} />}
        {auth === "ready" && route.view === "state" && <TimeTravel key={route.key} route={route} />}
        {auth === "ready" && route.view === "live" && <Live route={route} />}
        {auth === "ready" && route.view === "analytics" && <Analytics route={route} />}
      </main>
    </>
  );
}

render(<App />, document.getElementById("app")!);
