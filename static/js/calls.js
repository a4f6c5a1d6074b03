// The call form: the survey shows when the customer was reached, the time field when a call
// back was asked for. Without this script both simply stay visible.
document.addEventListener("DOMContentLoaded", () => {
  for (const form of document.querySelectorAll("form.call-form")) {
    const survey = form.querySelector(".survey-fields");
    const callBack = form.querySelector(".call-back-field");
    const update = () => {
      const chosen = form.querySelector("input[name=outcome]:checked");
      const outcome = chosen ? chosen.value : "";
      if (survey) survey.hidden = outcome !== "reached";
      if (callBack) callBack.hidden = outcome !== "call_back";
    };
    form.addEventListener("change", update);
    update();
  }
});
